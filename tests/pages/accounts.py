from accounts.roles import COORDINATOR, DATA_PROTECTION_OFFICER

from .table import OK, PageRow, everyone, only, signed_in

ROWS = [
    PageRow("home", "get", lambda w: "/", everyone(OK), route="home"),
    PageRow("service worker", "get", lambda w: "/sw.js", everyone(OK), route="service_worker"),
    PageRow("offline page", "get", lambda w: "/offline/", everyone(OK), route="offline"),
    PageRow("profile", "get", lambda w: "/profile/", signed_in(), route="accounts:profile"),
    PageRow("save profile", "post", lambda w: "/profile/", signed_in(), route="accounts:profile",
            data=lambda w, role: {"full_name": "Amal", "preferred_language": "ar",
                                  "phone": "", "home_municipality": ""}),
    PageRow("switch language", "post", lambda w: "/language/", everyone(OK),
            route="accounts:language", data=lambda w, role: {"language": "uk", "next": "/"}),
    PageRow("your data", "get", lambda w: "/privacy/my-data/", signed_in(),
            route="accounts:my_data"),
    PageRow("your data as JSON", "get", lambda w: "/privacy/my-data.json", signed_in(),
            route="accounts:my_data_json"),
    PageRow("erase oneself: the confirmation", "get", lambda w: "/privacy/erase/", signed_in(),
            route="accounts:erase_me"),
    PageRow("erase oneself", "post", lambda w: "/privacy/erase/", signed_in(),
            route="accounts:erase_me", data=lambda w, role: {"password": "correct-horse-battery"}),
    PageRow("a person's data as JSON", "get",
            lambda w: f"/manage/people/{w.extra['someone'].pk}/data.json", only(COORDINATOR),
            route="accounts:person_data_json"),
    PageRow("erase a person: the confirmation", "get",
            lambda w: f"/manage/people/{w.extra['someone'].pk}/erase/", only(COORDINATOR),
            route="accounts:erase_person"),
    PageRow("erase a person", "post", lambda w: f"/manage/people/{w.extra['someone'].pk}/erase/",
            only(COORDINATOR), route="accounts:erase_person",
            data=lambda w, role: {"reason": "Brief vom 3. März"}),
    PageRow("privacy notice", "get", lambda w: "/privacy/", everyone(OK), route="accounts:privacy"),
    PageRow("requests about personal data", "get",
            lambda w: f"/manage/people/?q={w.extra['someone'].email[:4]}", only(COORDINATOR),
            route="accounts:data_requests"),
]  # fmt: skip

# The access trail: the data-protection officer alone.
ROWS += [
    PageRow("access trail", "get", lambda w: "/privacy/access-log/",
            only(DATA_PROTECTION_OFFICER), route="accounts:access_log"),
    PageRow("access trail of one person", "get",
            lambda w: f"/privacy/access-log/?subject={w.users['learner'].pk}&since=2020-01-01",
            only(DATA_PROTECTION_OFFICER), route="accounts:access_log"),
]  # fmt: skip

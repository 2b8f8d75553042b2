"""Demo data: an invented but plausible district for trying Kurslotse out.

Everything here is made up: the people, their addresses and the venues'
street numbers. Providers carry generic public organisation names without
contact people. The school holidays of Baden-Württemberg are district
closures (``SCHOOL_HOLIDAYS``), so courses are planned around them as around
public holidays. Courses are created only through ``create_course`` (so their
sessions exist, and their skipped dates with the reasons) and bookings only through ``book_course`` and
``cancel_booking`` (so capacity, waiting lists and offers follow the real
rules). A seeded ``random.Random`` makes the data the same on every run,
relative to the day it is loaded.

``seed(scale=N)`` loads N "blocks" of about 40 courses and 60 learners each;
the first block also holds the fixed demo logins and the courses they are
booked on. The generated people are written in bulk with one precomputed
password hash, so large scales stay fast.
"""

from __future__ import annotations

import hashlib
import random
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, time, timedelta
from decimal import Decimal
from typing import Any

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from accounts.roles import ALL_ROLES, COACH, COORDINATOR, DATA_PROTECTION_OFFICER, LEARNER, TEACHER
from accounts.services import create_person
from coaching import demo_data as coaching_demo
from coaching.models import CoachingRequest, CoachProfile, Mentorship
from places.models import Municipality, Venue

from . import demo_teaching as teaching_demo
from . import selectors
from .closures import create_closure
from .constants import MAX_DAYS_AHEAD, BookingStatus, CourseStatus, Format, Level, ProviderKind
from .models import Attendance, Booking, Course, CourseSession, Provider
from .services import OverlapsBooking, book_course, cancel_booking, create_course

DASH = "\u2013"  # the en dash used in course titles
SEED = 20_261_122
DEMO_PASSWORD = "kurslotse-demo"
APP_URL = "http://127.0.0.1:8000/"
LEARNERS_PER_BLOCK = 60
COACHES_PER_BLOCK = 3
MAX_ACTIVE_BOOKINGS_PER_LEARNER = 4


# --- Fixed demo logins -----------------------------------------------------------


@dataclass(frozen=True)
class Login:
    email: str
    role: str
    full_name: str
    language: str
    home: str | None
    label: str
    is_staff: bool = False


COORDINATOR_LOGIN = Login(
    "coordinator@kurslotse.example",
    COORDINATOR,
    "Kira Sommer",
    "de",
    None,
    "coordinator (also Django admin at /admin/)",
    is_staff=True,
)
LEARNER_LOGIN = Login(
    "learner@kurslotse.example",
    LEARNER,
    "Amal Haddad",
    "ar",
    "Bad Rappenau",
    "learner, Arabic, Bad Rappenau: 1 confirmed (childcare), 1 offered, 1 waiting",
)
LEARNER_UK_LOGIN = Login(
    "learner.uk@kurslotse.example",
    LEARNER,
    "Olena Marchenko",
    "uk",
    "Neckarsulm",
    "learner, Ukrainian, Neckarsulm",
)
JOBCOACH_LOGIN = Login(
    "jobcoach@kurslotse.example", COACH, "Martin Keller", "de", "Bad Rappenau", "jobcoach"
)
SPRACHCOACH_LOGIN = Login(
    "sprachcoach@kurslotse.example",
    COACH,
    "Leyla Aksoy",
    "de",
    "Weinsberg",
    "language coach (care work)",
)
TEACHER_LOGIN = Login(
    "teacher@kurslotse.example",
    TEACHER,
    "Sabine Brenner",
    "de",
    "Bad Rappenau",
    "teacher of two courses (one under way, with attendance marked)",
)
DPO_LOGIN = Login(
    "dpo@kurslotse.example",
    DATA_PROTECTION_OFFICER,
    "Dana Wolff",
    "de",
    None,
    "data-protection officer: reads the access trail at /privacy/access-log/",
)
DEMO_LOGINS = (
    COORDINATOR_LOGIN,
    LEARNER_LOGIN,
    LEARNER_UK_LOGIN,
    JOBCOACH_LOGIN,
    SPRACHCOACH_LOGIN,
    TEACHER_LOGIN,
    DPO_LOGIN,
)


def demo_exists() -> bool:
    return get_user_model().objects.filter(email=COORDINATOR_LOGIN.email).exists()


def logins_text(app_url: str = APP_URL) -> str:
    """The demo logins and where the app runs (``make run`` passes its HOST and PORT)."""
    app_url = app_url.rstrip("/") + "/"
    width = max(len(login.email) for login in DEMO_LOGINS)
    lines = [
        "",
        "=" * 78,
        f"Kurslotse demo logins {DASH} password for all: {DEMO_PASSWORD}",
        "",
        *(f"  {login.email.ljust(width)}  {login.label}" for login in DEMO_LOGINS),
        "",
        f"  App:       {app_url}",
        f"  API docs:  {app_url}api/docs/",
        f"  Admin:     {app_url}admin/",
        "=" * 78,
    ]
    return "\n".join(lines)


# --- Organisations and places ----------------------------------------------------

VHS_UNTERLAND = "Volkshochschule Unterland"
VHS_EPPINGEN = "Volkshochschule Eppingen"
CARITAS = "Caritas Heilbronn-Hohenlohe"
DRK = "DRK Kreisverband Heilbronn"
DIAKONIE = "Diakonie"
IN_VIA = "IN VIA"

PROVIDERS = (
    (VHS_UNTERLAND, ProviderKind.ADULT_EDUCATION, "kurse@vhs-unterland.example"),
    (VHS_EPPINGEN, ProviderKind.ADULT_EDUCATION, "kurse@vhs-eppingen.example"),
    (CARITAS, ProviderKind.WELFARE, "integration@caritas.example"),
    (DRK, ProviderKind.WELFARE, "migration@drk.example"),
    (DIAKONIE, ProviderKind.WELFARE, "migration@diakonie.example"),
    (IN_VIA, ProviderKind.WELFARE, "kurse@invia.example"),
)

STEP_FREE = "Stufenloser Zugang, Aufzug vorhanden."
STEP_FREE_GROUND = "Stufenloser Zugang, Kursraum im Erdgeschoss, barrierefreies WC."
TWO_STEPS = "Eingang mit zwei Stufen, keine Rampe."
STAIRS_ONLY = "Kursraum im 1. Stock, nur über Treppe erreichbar."
RAMP = "Rampe am Seiteneingang, Klingel neben der Tür."

# Accessibility notes in Arabic, Ukrainian and English (the others show German).
NOTE_TRANSLATIONS = {
    STEP_FREE: {
        "ar": "مدخل بدون درج، يوجد مصعد.",
        "uk": "Вхід без сходинок, є ліфт.",
        "en": "Step-free entrance, lift available.",
    },
    STEP_FREE_GROUND: {
        "ar": "مدخل بدون درج، غرفة الدرس في الطابق الأرضي، مرحاض مناسب لذوي الإعاقة.",
        "uk": "Вхід без сходинок, клас на першому поверсі, туалет без бар’єрів.",  # noqa: RUF001
        "en": "Step-free entrance, classroom on the ground floor, accessible toilet.",
    },
    TWO_STEPS: {
        "ar": "مدخل بدرجتين، لا يوجد منحدر.",
        "uk": "Вхід із двома сходинками, пандуса немає.",
        "en": "Entrance with two steps, no ramp.",
    },
}
# How to get there by bus or train, by street (invented, plausible); the
# Arabic, Ukrainian and English lines name the same stops.
GETTING_THERE = {
    "Schulstraße 4": ("Bus 631 bis „Schulzentrum“, dann 2 Minuten zu Fuß.", {
        "ar": "الحافلة 631 حتى محطة „Schulzentrum“، ثم دقيقتان مشيًا.",
        "uk": "Автобус 631 до зупинки „Schulzentrum“, далі 2 хвилини пішки.",
        "en": "Bus 631 to „Schulzentrum“, then a 2-minute walk.",
    }),
    "Hauptstraße 12": ("S-Bahn S4 bis „Bad Rappenau“, 5 Minuten zu Fuß durch die Fußgängerzone.", {
        "ar": "قطار S4 حتى محطة „Bad Rappenau“، ثم 5 دقائق مشيًا عبر منطقة المشاة.",
        "uk": "S-Bahn S4 до „Bad Rappenau“, 5 хвилин пішки через пішохідну зону.",
        "en": "S-Bahn S4 to „Bad Rappenau“, a 5-minute walk through the pedestrian zone.",
    }),
    "Marktplatz 3": ("S-Bahn S4 oder S5 bis „Eppingen“, 8 Minuten zu Fuß zum Marktplatz.", {
        "ar": "قطار S4 أو S5 حتى محطة „Eppingen“، ثم 8 دقائق مشيًا إلى ساحة السوق.",
        "uk": "S-Bahn S4 або S5 до „Eppingen“, 8 хвилин пішки до ринкової площі.",  # noqa: RUF001
        "en": "S-Bahn S4 or S5 to „Eppingen“, an 8-minute walk to the market square.",
    }),
    "Bahnhofstraße 9": ("Direkt gegenüber dem Bahnhof „Eppingen“ (S4, S5, RB).", {}),
    "Lindenstraße 15": ("Stadtbahn S42 bis „Neckarsulm Mitte“, dann Bus 691 bis „Lindenstraße“.", {
        "ar": "قطار المدينة S42 حتى „Neckarsulm Mitte“، ثم الحافلة 691 حتى „Lindenstraße“.",
        "uk": "Міська електричка S42 до „Neckarsulm Mitte“, далі автобус 691 до „Lindenstraße“.",
        "en": "Stadtbahn S42 to „Neckarsulm Mitte“, then bus 691 to „Lindenstraße“.",
    }),
    "Kirchstraße 6": ("Stadtbahn S42 bis „Neckarsulm Mitte“, 6 Minuten zu Fuß.", {}),
}  # fmt: skip
GENERATED_GETTING_THERE = "Bus bis „Rathaus“, dann wenige Minuten zu Fuß."

# Titles and the usual what-to-bring in Arabic, Ukrainian and English, for the
# plain courses (the description stays German there: the page shows it
# marked as German, the fallback at work).
TITLE_TRANSLATIONS = {
    "ar": "اللغة الألمانية {level}{where}",
    "uk": "Німецька мова {level}{where}",
    "en": "German {level}{where}",
}
EVENING_TITLE_TRANSLATIONS = {
    "ar": "دورة مسائية للغة الألمانية {level}{where}",
    "uk": "Вечірній курс німецької {level}{where}",
    "en": "Evening course German {level}{where}",
}
USUAL_BRING = "Heft und Stift. Zum ersten Termin bitte Ausweis oder Aufenthaltstitel mitbringen."
USUAL_BRING_TRANSLATIONS = {
    "ar": "دفتر وقلم. يرجى إحضار بطاقة الهوية أو تصريح الإقامة في الموعد الأول.",
    "uk": "Зошит і ручка. На перше заняття, будь ласка, візьміть посвідчення особи або дозвіл на проживання.",  # noqa: RUF001
    "en": "Notebook and pen. Please bring your ID card or residence permit to the first session.",
}


def _near(latitude: float, longitude: float, street: str) -> tuple[Decimal, Decimal]:
    """An invented entrance a few hundred metres from the town's centre, the
    same for a street on every run (the seed does not move venues)."""
    digest = hashlib.sha256(street.encode()).digest()
    d_lat = (digest[0] - 128) / 128 * 0.004
    d_lon = (digest[1] - 128) / 128 * 0.006
    return (
        Decimal(str(round(latitude + d_lat, 6))),
        Decimal(str(round(longitude + d_lon, 6))),
    )


# (municipality, venue name, street, accessibility notes); all invented.
VENUES = (
    ("Bad Rappenau", "Familienzentrum", "Schulstraße 4", STEP_FREE_GROUND),
    ("Bad Rappenau", "Rathaus, Sitzungssaal", "Hauptstraße 12", STEP_FREE),
    ("Eppingen", "Bürgerhaus", "Marktplatz 3", TWO_STEPS),
    ("Eppingen", "Volkshochschule, Kursraum 2", "Bahnhofstraße 9", STEP_FREE),
    ("Neckarsulm", "Mehrgenerationenhaus", "Lindenstraße 15", STEP_FREE),
    ("Neckarsulm", "Evangelisches Gemeindehaus", "Kirchstraße 6", RAMP),
    ("Brackenheim", "Bürgerhaus", "Hauptstraße 40", STEP_FREE_GROUND),
    ("Weinsberg", "Familienzentrum", "Schulstraße 11", STEP_FREE_GROUND),
    ("Neuenstadt am Kocher", "Rathaus, Sitzungssaal", "Hauptstraße 2", STAIRS_ONLY),
    ("Offenau", "Gemeindehaus", "Kirchstraße 3", TWO_STEPS),
    ("Wüstenrot", "Bürgerhaus", "Rathausplatz 1", RAMP),
    ("Lauffen am Neckar", "Familienzentrum", "Bahnhofstraße 22", STEP_FREE_GROUND),
    ("Möckmühl", "Gemeindehaus", "Kirchstraße 10", TWO_STEPS),
    ("Schwaigern", "Rathaus, Sitzungssaal", "Marktstraße 2", STEP_FREE),
    ("Obersulm", "Bürgerhaus", "Hauptstraße 27", STEP_FREE_GROUND),
    ("Gundelsheim", "Alte Schule, Raum 2", "Schulstraße 1", STAIRS_ONLY),
)

# Where the first block's in-person courses are, with weights.
CORE_TOWNS = {
    "Bad Rappenau": 3,
    "Neckarsulm": 3,
    "Eppingen": 2,
    "Weinsberg": 2,
    "Brackenheim": 2,
    "Neuenstadt am Kocher": 1,
    "Offenau": 1,
    "Wüstenrot": 1,
    "Lauffen am Neckar": 1,
    "Möckmühl": 1,
    "Schwaigern": 1,
    "Obersulm": 1,
    "Gundelsheim": 1,
}

GENERATED_VENUE_NAMES = (
    "Bürgerhaus",
    "Rathaus, Sitzungssaal",
    "Gemeindehaus",
    "Familienzentrum",
    "Mehrgenerationenhaus",
)
GENERATED_STREETS = ("Hauptstraße", "Schulstraße", "Kirchstraße", "Rathausplatz", "Lindenstraße")
ACCESSIBILITY_NOTES = (STEP_FREE, STEP_FREE_GROUND, TWO_STEPS, STAIRS_ONLY, RAMP)

# Baden-Württemberg's school holidays in the school year 2026/27, loaded as
# closures of the whole district (public data of the Kultusministerium, as
# published by the usual holiday calendars in 2025; they may still change).
# The Easter holidays are 25.03. and 30.03. to 03.04.2027 with Good Friday and
# Easter Monday, public holidays anyway, in between: one closure here.
SCHOOL_HOLIDAYS = (
    ("Herbstferien", date(2026, 10, 26), date(2026, 10, 31)),
    ("Weihnachtsferien", date(2026, 12, 23), date(2027, 1, 9)),
    ("Osterferien", date(2027, 3, 25), date(2027, 4, 3)),
    ("Pfingstferien", date(2027, 5, 18), date(2027, 5, 29)),
    ("Sommerferien", date(2027, 7, 29), date(2027, 9, 11)),
)


# --- Invented people ---------------------------------------------------------------

# origin: (weight, first names, family names, preferred languages with weights)
ORIGINS = {
    "arabic": (
        20,
        "Amira Rana Yasmin Huda Nour Lina Fatima Samira Hala Dima "
        "Ahmad Omar Khaled Mahmoud Yusuf Bilal Rami Tarek Mohammad Ibrahim",
        "Haddad Al-Khatib Darwish Hamdan Suleiman Qassem Mansour Nasser Saleh Yassin "
        "Khoury Aziz Rahal Shami Barakat",
        {"ar": 8, "de": 1, "en": 1},
    ),
    "ukrainian": (
        18,
        "Iryna Oksana Nataliia Kateryna Yuliia Tetiana Anastasiia Mariia Svitlana Halyna "
        "Andrii Dmytro Oleksandr Serhii Mykola Vasyl",
        "Kovalenko Bondarenko Tkachenko Shevchuk Kravchuk Melnyk Polishchuk Lysenko "
        "Savchenko Hnatiuk Rudenko Moroz Petrenko Zinchenko",
        {"uk": 15, "ru": 3, "de": 2},
    ),
    "turkish": (
        10,
        "Ayşe Elif Zeynep Fatma Emine Hatice Mehmet Mustafa Ali Hüseyin Emre Murat",
        "Özdemir Kaya Demir Şahin Çelik Arslan Doğan Korkmaz Öztürk Koç Güneş",
        {"tr": 8, "de": 2},
    ),
    "afghan": (
        14,
        "Zahra Maryam Fereshta Nilofar Parwana Shabnam Ahmad Farid Hamid Jawad Sayed Wahid",
        "Rahimi Ahmadi Hashimi Karimi Sultani Noori Habibi Safi Wardak Popal",
        {"fa": 17, "de": 2, "en": 1},
    ),
    "eritrean": (
        8,
        "Senait Helen Yodit Mebrat Selam Winta Dawit Yonas Tesfay Haben Merhawi Samuel",
        "Tesfamariam Ghebremedhin Berhane Haile Kidane Tekle Gebremichael Woldu Asfaha Mehari",
        {"en": 5, "de": 4, "ar": 1},
    ),
    "kurdish": (
        8,
        "Rojin Berfin Dilan Hevin Zozan Azad Kawa Rezan Shivan Baran",
        "Hassan Murad Sheikho Ibrahim Osman Bakir Mahmoud Ali",
        {"ar": 4, "tr": 3, "de": 3},
    ),
    "iranian": (
        6,
        "Parisa Shirin Leila Nasrin Mina Reza Hossein Amir Babak Kian",
        "Moradi Rostami Jafari Hosseini Rezaei Kazemi Amini Nazari",
        {"fa": 17, "en": 3},
    ),
    "somali": (
        4,
        "Hodan Fadumo Sahra Ayaan Abdi Mohamed Abdirahman Hassan",
        "Warsame Farah Abdullahi Jama Osman Nur Hirsi Yusuf",
        {"en": 3, "ar": 1, "de": 1},
    ),
    "romanian": (
        5,
        "Andreea Ioana Elena Mihaela Ionuț Andrei Florin Adrian",
        "Popescu Ionescu Stan Dumitru Munteanu Lazăr Constantin Marin",
        {"de": 1, "en": 1},
    ),
    "albanian": (
        4,
        "Arta Blerta Drita Lirie Arben Besnik Driton Fatmir",
        "Krasniqi Berisha Gashi Hoxha Shala Morina Kelmendi Bytyqi",
        {"de": 3, "en": 2},
    ),
    "west_african": (
        3,
        "Fatou Aminata Mariama Aissatou Lamin Ebrima Modou Mamadou",
        "Jallow Ceesay Bah Sowe Touray Darboe Diallo Camara",
        {"en": 4, "de": 1},
    ),
}
STAFF_FIRST_NAMES = (
    "Sabine Thomas Monika Jürgen Katrin Stefan Ute Michael Andrea Frank Claudia Peter "
    "Birgit Heike Markus Tanja Deniz Nadia Goran Irina"
)
STAFF_FAMILY_NAMES = (
    "Vogel Berger Lindner Hoffmann Schäfer Wagner Bauer Krüger Maier Haas Roth Ziegler "
    "Frey Seitz Brandt Lorenz Winkler Kuhn"
)


def email_local_part(full_name: str) -> str:
    """``Ayşe Doğan`` -> ``ayse.dogan`` (ASCII only)."""
    text = full_name.lower().replace("\u0131", "i").replace("ß", "ss")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return ".".join(part for part in text.replace("'", "").split() if part)


# --- Courses ----------------------------------------------------------------------

GERMAN_LANGUAGE_NAMES = {
    "ar": "Arabisch",
    "en": "Englisch",
    "fa": "Persisch (Farsi/Dari)",
    "ku": "Kurdisch",
    "ps": "Paschtu",
    "ro": "Rumänisch",
    "ru": "Russisch",
    "sq": "Albanisch",
    "ti": "Tigrinya",
    "tr": "Türkisch",
    "uk": "Ukrainisch",
    "fr": "Französisch",
    "so": "Somali",
}
HELPER_LANGUAGE_WEIGHTS = {
    "ar": 10,
    "en": 8,
    "uk": 8,
    "fa": 7,
    "tr": 6,
    "ru": 4,
    "ku": 3,
    "ps": 3,
    "ti": 3,
    "ro": 2,
    "sq": 2,
    "fr": 2,
    "so": 1,
}
LEVEL_WEIGHTS = {Level.A1: 10, Level.A2: 9, Level.B1: 7, Level.B2: 2, Level.C1: 1}
ONLINE_LEVEL_WEIGHTS = {Level.A1: 3, Level.A2: 3, Level.B1: 3, Level.B2: 2}
WEEKDAY_PATTERNS = ([0, 2], [1, 3], [0, 3], [1, 4], [2, 4], [0, 2, 4])
WEEKDAY_WEIGHTS = (5, 5, 2, 2, 2, 1)
MORNING_SLOTS = ((time(9, 0), time(11, 30)),) * 4 + (
    (time(8, 30), time(11, 0)),
    (time(9, 0), time(12, 0)),
)
EVENING_SLOTS = ((time(18, 0), time(20, 15)),) * 4 + (
    (time(18, 30), time(20, 45)),
    (time(17, 30), time(19, 45)),
)
ONLINE_SLOTS = (
    (time(18, 0), time(19, 30)),
    (time(18, 30), time(20, 0)),
    (time(19, 0), time(20, 30)),
    (time(9, 0), time(10, 30)),
)
CHILDCARE_AGES = ((1, 6), (1, 6), (1, 6), (2, 6), (1, 5), (3, 10))

LEVEL_TEXT: dict[str, str] = {
    Level.A1: (
        "Für Menschen, die mit Deutsch anfangen. Wir lernen Wörter und Sätze für den "
        "Alltag: sich vorstellen, einkaufen, einen Termin beim Arzt oder beim Amt machen."
    ),
    Level.A2: (
        "Für Menschen mit ersten Deutschkenntnissen. Wir üben einfache Gespräche, "
        "verstehen Briefe von Schule und Ämtern und schreiben kurze Nachrichten."
    ),
    Level.B1: (
        "Für Menschen, die sich im Alltag schon verständigen können. Wir sprechen über "
        "Arbeit, Wohnen, Gesundheit und die Schule der Kinder und schreiben Briefe und E-Mails."
    ),
    Level.B2: (
        "Deutsch für Beruf und Ausbildung: Bewerbungen schreiben, Gespräche mit "
        "Kolleginnen und Kollegen führen, Fachtexte lesen und am Telefon sicher sprechen."
    ),
    Level.C1: (
        "Für Menschen mit sehr guten Deutschkenntnissen, die studieren oder in ihrem Beruf "
        "arbeiten möchten, zum Beispiel in der Pflege oder im Gesundheitswesen."
    ),
}
ALPHA_TEXT = (
    "Für Menschen, die Deutsch lernen und dabei auch das lateinische Alphabet lesen und "
    "schreiben lernen möchten. Wir lernen in kleinen Schritten und mit viel Zeit zum Üben."
)
DTZ_TEXT = "Am Ende können Sie die Prüfung „Deutsch-Test für Zuwanderer“ (DTZ) ablegen."


def german_list(items: list[str]) -> str:
    if len(items) < 2:
        return "".join(items)
    return ", ".join(items[:-1]) + " und " + items[-1]


def meets_in_school_holidays(starts_on: date, ends_on: date, weekdays: list[int]) -> bool:
    """Whether one of the course's weekdays falls in the school holidays (so its
    description can say there is no class then; ``create_course`` skips them)."""
    for _name, first, last in SCHOOL_HOLIDAYS:
        day = max(first, starts_on)
        while day <= min(last, ends_on):
            if day.weekday() in weekdays:
                return True
            day += timedelta(days=1)
    return False


def _align_forward(day: date, weekdays: list[int]) -> date:
    while day.weekday() not in weekdays:
        day += timedelta(days=1)
    return day


def _align_back(day: date, weekdays: list[int]) -> date:
    while day.weekday() not in weekdays:
        day -= timedelta(days=1)
    return day


@dataclass
class CoursePlan:
    """A course to create plus how the seeder books it."""

    fields: dict
    fill: str  # "full", "partial", "few" or "none"
    key: str = ""


# --- The seeder ----------------------------------------------------------------------


class DemoSeeder:
    def __init__(self, *, scale: int = 1, log: Callable[[str], None] = print) -> None:
        if scale < 1:
            raise ValueError("scale must be at least 1")
        self.scale = scale
        self.log = log
        self.rng = random.Random(SEED)
        self.today = timezone.localdate()
        self.User = get_user_model()
        self.municipalities: dict[str, Municipality] = {}
        self.region_of: dict[int, str] = {}
        self.providers: dict[str, Provider] = {}
        self.venues_by_town: dict[str, list[Venue]] = defaultdict(list)
        self.logins: dict[str, object] = {}
        self.children: dict[int, list[int]] = {}
        self.active_bookings: Counter[int] = Counter()
        self.booked: set[tuple[int, int]] = set()  # (course, learner) with an active booking
        self.emails: set[str] = set()
        self.coordinators: list = []
        self.taken_names: set[str] = set()
        self.anchors: dict[str, Course] = {}  # the first block's hand-placed courses by key

    # -- entry point --

    def run(self) -> None:
        with transaction.atomic():
            self._load_places()
            self._create_providers()
            self._create_school_holidays()
            self._create_fixed_logins()
            password_hash = make_password(DEMO_PASSWORD)
            for block in range(self.scale):
                self._seed_block(block, password_hash)
                if self.scale > 1 and (block + 1) % 5 == 0:
                    self.log(f"  ... {block + 1} of {self.scale} blocks loaded")
            coaching_demo.seed(
                rng=self.rng,
                coordinator=self.logins[COORDINATOR_LOGIN.email],
                jobcoach=self.logins[JOBCOACH_LOGIN.email],
                language_coach=self.logins[SPRACHCOACH_LOGIN.email],
                mentee=self.logins[LEARNER_UK_LOGIN.email],
            )
            teaching_demo.seed(
                teacher=self.logins[TEACHER_LOGIN.email],
                coordinator=self.logins[COORDINATOR_LOGIN.email],
                running=self.anchors["running"],
                upcoming=self.anchors["learner_confirmed"],
                today=self.today,
            )

    def _seed_block(self, block: int, password_hash: str) -> None:
        staff = self._create_staff(block, password_hash)
        self.coordinators.extend(u for u, role in staff if role == COORDINATOR)
        learners = self._create_learners(block, password_hash)
        plans = self._course_plans(block)
        courses: list[tuple[Course, CoursePlan]] = []
        for plan in plans:
            course = create_course(**plan.fields)
            courses.append((course, plan))
        self._book_block(block, courses, learners)

    # -- places and providers --

    def _load_places(self) -> None:
        for municipality in Municipality.objects.all():
            self.municipalities[municipality.name] = municipality
            self.region_of[municipality.pk] = municipality.region
        if not self.municipalities:
            raise RuntimeError("No municipalities found: run `manage.py migrate` first.")
        missing = {town for town, *_ in VENUES} - set(self.municipalities)
        if missing:
            raise RuntimeError(f"Municipalities missing from the database: {sorted(missing)}")
        for town, name, street, notes in VENUES:
            municipality = self.municipalities[town]
            latitude, longitude = _near(municipality.latitude, municipality.longitude, street)
            getting_there, ways = GETTING_THERE.get(street, (GENERATED_GETTING_THERE, {}))
            venue, _ = Venue.objects.get_or_create(
                municipality=municipality,
                name=name,
                defaults={
                    "street": street,
                    "postal_code": municipality.postal_code,
                    "accessibility_notes_de": notes,
                    "getting_there_de": getting_there,
                    "latitude": latitude,
                    "longitude": longitude,
                    **{
                        f"accessibility_notes_{language}": note
                        for language, note in NOTE_TRANSLATIONS.get(notes, {}).items()
                    },
                    **{f"getting_there_{language}": way for language, way in ways.items()},
                },
            )
            self.venues_by_town[town].append(venue)

    def _venue_in(self, town: str) -> Venue:
        """A venue in the town; towns without one get an invented one on first use."""
        if not self.venues_by_town[town]:
            municipality = self.municipalities[town]
            venue, _ = Venue.objects.get_or_create(
                municipality=municipality,
                name=self.rng.choice(GENERATED_VENUE_NAMES),
                defaults={
                    "street": f"{self.rng.choice(GENERATED_STREETS)} {self.rng.randint(1, 40)}",
                    "postal_code": municipality.postal_code,
                    "accessibility_notes_de": self.rng.choice(ACCESSIBILITY_NOTES),
                    "getting_there_de": GENERATED_GETTING_THERE,
                },
            )
            self.venues_by_town[town].append(venue)
        return self.rng.choice(self.venues_by_town[town])

    def _create_providers(self) -> None:
        for name, kind, email in PROVIDERS:
            self.providers[name], _ = Provider.objects.get_or_create(
                name=name, defaults={"kind": kind, "email": email}
            )

    # -- people --

    def _create_school_holidays(self) -> None:
        """The school holidays as closures of the whole district, through the
        service (as a coordinator enters them); holidays beyond what the
        service accepts (the demo loaded years before or after) are left out."""
        horizon = timedelta(days=MAX_DAYS_AHEAD)
        for name, first, last in SCHOOL_HOLIDAYS:
            if self.today - horizon <= first and last <= self.today + horizon:
                create_closure(name=name, first_day=first, last_day=last)

    def _create_fixed_logins(self) -> None:
        for login in DEMO_LOGINS:
            extra = {"is_staff": True} if login.is_staff else {}
            user = create_person(
                email=login.email,
                password=DEMO_PASSWORD,
                roles=[login.role],
                full_name=login.full_name,
                preferred_language=login.language,
                home_municipality=self.municipalities[login.home] if login.home else None,
                **extra,
            )
            self.logins[login.email] = user
        self.coordinators.append(self.logins[COORDINATOR_LOGIN.email])
        self.emails = {
            email
            for email in self.User.objects.values_list("email", flat=True).iterator(chunk_size=2000)
            if email
        }
        self.taken_names.update(login.full_name for login in DEMO_LOGINS)

    def _unique_email(self, full_name: str) -> str:
        local = email_local_part(full_name)
        email, number = f"{local}@example.org", 2
        while email in self.emails:
            email, number = f"{local}{number}@example.org", number + 1
        self.emails.add(email)
        return email

    def _invent_name(self, first_names: list[str], family_names: list[str]) -> str:
        for _attempt in range(20):
            name = f"{self.rng.choice(first_names)} {self.rng.choice(family_names)}"
            if name not in self.taken_names:
                break
        self.taken_names.add(name)
        return name

    def _bulk_people(self, people: list[dict], password_hash: str) -> list:
        """Insert users, their role groups and verified addresses in a few queries."""
        users = [
            self.User(
                email=self._unique_email(person["full_name"]),
                password=password_hash,
                full_name=person["full_name"],
                preferred_language=person["language"],
                home_municipality=person["home"],
                is_staff=person.get("is_staff", False),
            )
            for person in people
        ]
        self.User.objects.bulk_create(users, batch_size=500)
        if any(user.pk is None for user in users):  # a backend that returns no ids
            ids = dict(
                self.User.objects.filter(email__in=[u.email for u in users]).values_list(
                    "email", "pk"
                )
            )
            for user in users:
                user.pk = ids[user.email]
        groups = {name: Group.objects.get_or_create(name=name)[0] for name in ALL_ROLES}
        membership = self.User.groups.through
        membership.objects.bulk_create(
            [
                membership(user_id=user.pk, group_id=groups[person["role"]].pk)
                for user, person in zip(users, people, strict=True)
            ],
            batch_size=500,
        )
        EmailAddress.objects.bulk_create(
            [EmailAddress(user=u, email=u.email, primary=True, verified=True) for u in users],
            batch_size=500,
        )
        return users

    def _home_town(self, block: int) -> Municipality:
        if block == 0 and self.rng.random() < 0.8:
            towns, weights = zip(*CORE_TOWNS.items(), strict=True)
            return self.municipalities[self.rng.choices(towns, weights)[0]]
        return self.rng.choice(list(self.municipalities.values()))

    def _create_staff(self, block: int, password_hash: str) -> list[tuple[Any, str]]:
        people = []
        for _index in range(COACHES_PER_BLOCK):
            people.append(
                {
                    "full_name": self._invent_name(
                        STAFF_FIRST_NAMES.split(), STAFF_FAMILY_NAMES.split()
                    ),
                    "language": "de",
                    "home": self._home_town(block),
                    "role": COACH,
                }
            )
        if block == 0:
            people.append(
                {
                    "full_name": self._invent_name(
                        STAFF_FIRST_NAMES.split(), STAFF_FAMILY_NAMES.split()
                    ),
                    "language": "de",
                    "home": None,
                    "role": COORDINATOR,
                    "is_staff": True,
                }
            )
        users = self._bulk_people(people, password_hash)
        return [(user, str(person["role"])) for user, person in zip(users, people, strict=True)]

    def _create_learners(self, block: int, password_hash: str) -> list:
        names = list(ORIGINS)
        weights = [ORIGINS[name][0] for name in names]
        people = []
        for _index in range(LEARNERS_PER_BLOCK):
            _weight, first, family, languages = ORIGINS[self.rng.choices(names, weights)[0]]
            people.append(
                {
                    "full_name": self._invent_name(first.split(), family.split()),
                    "language": self.rng.choices(list(languages), list(languages.values()))[0],
                    "home": self._home_town(block),
                    "role": LEARNER,
                }
            )
        learners = self._bulk_people(people, password_hash)
        for learner in learners:
            kids: list[int] = []
            if self.rng.random() < 0.5:
                kids = sorted(self.rng.randint(0, 10) for _ in range(self.rng.choice((1, 1, 2, 3))))
            self.children[learner.pk] = kids
        return learners

    # -- courses --

    def _course(
        self,
        *,
        level: str,
        fmt: str,
        town: str | None = None,
        venue: Venue | None = None,
        childcare: tuple[int, int, int] | None = None,
        weekdays: list[int],
        slot: tuple[time, time],
        start_in_days: int,
        weeks: int,
        helper_languages: list[str],
        provider: str,
        seats: int,
        deadline_days: int | None,
        status: str = CourseStatus.PUBLISHED,
        style: str = "",
    ) -> dict:
        """Fields for ``create_course``, with title and texts written to match."""
        translated_title: dict[str, str] = {}
        starts_on = _align_forward(self.today + timedelta(days=start_in_days), weekdays)
        ends_on = _align_back(starts_on + timedelta(weeks=weeks, days=-1), weekdays)
        in_holidays = meets_in_school_holidays(starts_on, ends_on, weekdays)
        running = starts_on < self.today
        if fmt != Format.ONLINE and venue is None and town is not None:
            venue = self._venue_in(town)
        evening = slot[0].hour >= 17
        where = f" {DASH} {town}" if town else ""
        if fmt == Format.ONLINE:
            title = f"Online-Deutschkurs {level}"
            if level == Level.B2:
                title += " für den Beruf"
            elif level == Level.A1 and not evening:
                title += " am Vormittag"
        elif fmt == Format.HYBRID:
            title = f"Deutsch {level} hybrid{where} und online"
        elif style == "alpha":
            title = f"Deutsch A1 mit Alphabetisierung{where}"
        elif childcare:
            title = f"Deutsch {level} mit Kinderbetreuung{where}"
        elif style == "dtz":
            title = f"Deutsch B1 mit Prüfungsvorbereitung DTZ{where}"
        elif level == Level.B2:
            title = f"Deutsch B2 für den Beruf{where}"
        elif level == Level.C1:
            title = f"Deutsch C1 für Studium und Beruf{where}"
        elif evening:
            title = f"Abendkurs Deutsch {level}{where}"
            translated_title = EVENING_TITLE_TRANSLATIONS
        else:
            title = f"Deutsch {level}{where}"
            translated_title = TITLE_TRANSLATIONS

        text = [ALPHA_TEXT if style == "alpha" else LEVEL_TEXT[level]]
        if style == "dtz" or (level == Level.B1 and self.rng.random() < 0.5):
            text.append(DTZ_TEXT)
        if fmt == Format.ONLINE:
            text.append(
                "Der Kurs findet online statt. Den Link zum Kursraum sehen Sie, sobald Ihr "
                "Platz bestätigt ist. Sie brauchen eine stabile Internetverbindung."
            )
        elif fmt == Format.HYBRID:
            text.append(
                "Sie können im Kursraum vor Ort oder online von zu Hause teilnehmen. Den Link "
                "sehen Sie, sobald Ihr Platz bestätigt ist."
            )
        if childcare:
            text.append(
                f"Während des Unterrichts werden Kinder von {childcare[1]} bis {childcare[2]} "
                "Jahren im Nebenraum betreut. Bitte melden Sie Ihre Kinder bei der Buchung mit an."
            )
        if helper_languages:
            names = [GERMAN_LANGUAGE_NAMES[code] for code in helper_languages]
            text.append(f"Die Lehrkraft kann Dinge auch auf {german_list(names)} erklären.")
        if running:
            text.append("Der Kurs hat schon begonnen. Ein späterer Einstieg ist möglich.")
        if in_holidays:
            text.append("In den Schulferien ist kein Unterricht.")

        if fmt == Format.ONLINE:
            bring = (
                "Smartphone, Tablet oder Computer mit Kamera und Mikrofon, am besten mit "
                "Kopfhörern. Heft und Stift."
            )
        elif style == "alpha":
            bring = "Heft, Bleistift und Radiergummi. Alle Arbeitsblätter bekommen Sie im Kurs."
        else:
            bring = (
                "Heft und Stift. Zum ersten Termin bitte Ausweis oder Aufenthaltstitel mitbringen."
            )
            if level in (Level.B1, Level.B2, Level.C1):
                bring += " Das Lehrbuch bekommen Sie im Kurs."
        if childcare:
            bring += " Für die Kinder: Wechselkleidung, Windeln (falls nötig) und etwas zu trinken."

        translations: dict[str, dict[str, str]] = {}
        for language, pattern in translated_title.items():
            translations.setdefault(language, {})["title"] = pattern.format(
                level=level, where=where
            )
        if bring == USUAL_BRING:
            for language, usual in USUAL_BRING_TRANSLATIONS.items():
                translations.setdefault(language, {})["what_to_bring"] = usual

        fields = {
            "title": title,
            "translations": translations,
            "description": " ".join(text),
            "what_to_bring": bring,
            "level": level,
            "format": fmt,
            "provider": self.providers[provider],
            "venue": venue if fmt != Format.ONLINE else None,
            "municipality": self.municipalities[town] if town and fmt != Format.ONLINE else None,
            "online_meeting_link": self._meeting_link() if fmt != Format.IN_PERSON else "",
            "seats": seats,
            "childcare_places": childcare[0] if childcare else 0,
            "childcare_min_age": childcare[1] if childcare else None,
            "childcare_max_age": childcare[2] if childcare else None,
            "helper_languages": helper_languages,
            "starts_on": starts_on,
            "ends_on": ends_on,
            "weekdays": weekdays,
            "start_time": slot[0],
            "end_time": slot[1],
            "registration_deadline": (
                None
                if deadline_days is None or running
                else min(starts_on + timedelta(days=deadline_days), ends_on)
            ),
            "status": status,
        }
        return fields

    def _meeting_link(self) -> str:
        letters = "abcdefghijkmnpqrstuvwxyz"
        parts = ("".join(self.rng.choices(letters, k=n)) for n in (3, 4, 3))
        return "https://meet.kurslotse.example/" + "-".join(parts)

    def _helper_languages(self, level: str) -> list[str]:
        if level == Level.C1:
            return []
        count = self.rng.choice((1, 2, 2, 3) if level in (Level.A1, Level.A2) else (0, 1, 1, 2))
        codes, weights = zip(*HELPER_LANGUAGE_WEIGHTS.items(), strict=True)
        chosen: list[str] = []
        while len(chosen) < count:
            code = self.rng.choices(codes, weights)[0]
            if code not in chosen:
                chosen.append(code)
        return chosen

    def _anchor_plans(self) -> list[CoursePlan]:
        """The first block's hand-placed courses: the demo learners' bookings and
        a few showcases (a draft, a course that has already begun)."""
        morning, evening = MORNING_SLOTS[0], EVENING_SLOTS[0]
        return [
            CoursePlan(
                self._course(
                    level=Level.A1,
                    fmt=Format.IN_PERSON,
                    town="Bad Rappenau",
                    venue=self.venues_by_town["Bad Rappenau"][0],
                    childcare=(6, 1, 6),
                    weekdays=[0, 2],
                    slot=morning,
                    start_in_days=14,
                    weeks=14,
                    helper_languages=["ar", "fa", "uk"],
                    provider=CARITAS,
                    seats=12,
                    deadline_days=5,
                ),
                "partial",
                "learner_confirmed",
            ),
            CoursePlan(
                self._course(
                    level=Level.A2,
                    fmt=Format.IN_PERSON,
                    town="Bad Rappenau",
                    venue=self.venues_by_town["Bad Rappenau"][1],
                    weekdays=[1, 3],
                    slot=evening,
                    start_in_days=21,
                    weeks=12,
                    helper_languages=["ar", "tr"],
                    provider=VHS_UNTERLAND,
                    seats=10,
                    deadline_days=None,
                ),
                "full",
                "learner_waiting",
            ),
            CoursePlan(
                self._course(
                    level=Level.A2,
                    fmt=Format.ONLINE,
                    # Monday and Wednesday evening: the demo learner's other
                    # courses meet at other times (bookings may not overlap).
                    weekdays=[0, 2],
                    slot=ONLINE_SLOTS[1],
                    start_in_days=10,
                    weeks=12,
                    helper_languages=["ar", "en"],
                    provider=VHS_UNTERLAND,
                    seats=12,
                    deadline_days=7,
                ),
                "full",
                "learner_offered",
            ),
            CoursePlan(
                self._course(
                    level=Level.B1,
                    fmt=Format.IN_PERSON,
                    town="Neckarsulm",
                    venue=self.venues_by_town["Neckarsulm"][0],
                    weekdays=[1, 3],
                    slot=evening,
                    start_in_days=28,
                    weeks=16,
                    helper_languages=["uk", "ru"],
                    provider=VHS_UNTERLAND,
                    seats=16,
                    deadline_days=7,
                    style="dtz",
                ),
                "partial",
                "learner_uk",
            ),
            CoursePlan(
                self._course(
                    level=Level.A1,
                    fmt=Format.IN_PERSON,
                    town="Eppingen",
                    venue=self.venues_by_town["Eppingen"][0],
                    childcare=(3, 1, 6),
                    weekdays=[1, 3],
                    slot=morning,
                    start_in_days=7,
                    weeks=12,
                    helper_languages=["ar", "ti", "ps"],
                    provider=VHS_EPPINGEN,
                    seats=10,
                    deadline_days=4,
                ),
                "full",
                "childcare_full",
            ),
            CoursePlan(
                self._course(
                    level=Level.A2,
                    fmt=Format.IN_PERSON,
                    town="Weinsberg",
                    childcare=(5, 1, 6),
                    weekdays=[0, 2],
                    slot=morning,
                    start_in_days=-35,
                    weeks=16,
                    helper_languages=["fa", "ar"],
                    provider=DIAKONIE,
                    seats=14,
                    deadline_days=None,
                ),
                "partial",
                "running",
            ),
            CoursePlan(
                self._course(
                    level=Level.B2,
                    fmt=Format.IN_PERSON,
                    town="Neckarsulm",
                    venue=self.venues_by_town["Neckarsulm"][0],
                    weekdays=[0, 2],
                    slot=evening,
                    start_in_days=63,
                    weeks=14,
                    helper_languages=["en"],
                    provider=VHS_UNTERLAND,
                    seats=16,
                    deadline_days=7,
                    status=CourseStatus.DRAFT,
                ),
                "none",
                "draft",
            ),
            CoursePlan(
                self._course(
                    level=Level.A1,
                    fmt=Format.IN_PERSON,
                    town="Wüstenrot",
                    childcare=(4, 1, 6),
                    weekdays=[1, 3],
                    slot=morning,
                    start_in_days=56,
                    weeks=12,
                    helper_languages=["ar", "ku"],
                    provider=DRK,
                    seats=10,
                    deadline_days=None,
                    status=CourseStatus.DRAFT,
                    style="alpha",
                ),
                "none",
                "draft",
            ),
        ]

    def _random_plan(self, block: int, fmt: str, fill: str) -> CoursePlan:
        rng = self.rng
        levels = ONLINE_LEVEL_WEIGHTS if fmt == Format.ONLINE else LEVEL_WEIGHTS
        level = rng.choices(list(levels), list(levels.values()))[0]
        town = None
        if fmt != Format.ONLINE:
            if block == 0:
                towns, weights = zip(*CORE_TOWNS.items(), strict=True)
                town = rng.choices(towns, weights)[0]
            else:
                town = rng.choice(list(self.municipalities))
        childcare = None
        childcare_chance: float = {"in_person": 0.75, "hybrid": 0.25, "online": 0.0}[str(fmt)]
        if level in (Level.B2, Level.C1):
            childcare_chance /= 3
        if rng.random() < childcare_chance:
            low, high = rng.choice(CHILDCARE_AGES)
            childcare = (rng.randint(3, 8), low, high)
        if fmt == Format.ONLINE:
            slot = rng.choice(ONLINE_SLOTS)
        elif childcare or rng.random() < 0.4:
            slot = rng.choice(MORNING_SLOTS)
        else:
            slot = rng.choice(EVENING_SLOTS)
        running = fill != "none" and rng.random() < 0.2
        start_in_days = -7 * rng.randint(1, 6) if running else rng.randint(7, 70)
        if fill == "none":
            start_in_days = rng.randint(35, 84)
        style = ""
        if fmt == Format.IN_PERSON and level == Level.A1 and not childcare and rng.random() < 0.3:
            style = "alpha"
        elif fmt == Format.IN_PERSON and level == Level.B1 and rng.random() < 0.3:
            style = "dtz"
        if fmt == Format.ONLINE:
            provider = rng.choices((VHS_UNTERLAND, IN_VIA, DIAKONIE), (3, 1, 1))[0]
        elif childcare:
            provider = rng.choices(
                (CARITAS, DRK, DIAKONIE, IN_VIA, VHS_UNTERLAND), (3, 2, 2, 2, 2)
            )[0]
        elif town and self.municipalities[town].region == "SW" and rng.random() < 0.6:
            provider = VHS_EPPINGEN
        else:
            provider = VHS_UNTERLAND
        fields = self._course(
            level=level,
            fmt=fmt,
            town=town,
            childcare=childcare,
            weekdays=list(rng.choices(WEEKDAY_PATTERNS, WEEKDAY_WEIGHTS)[0]),
            slot=slot,
            start_in_days=start_in_days,
            weeks=rng.randint(10, 16),
            helper_languages=self._helper_languages(level),
            provider=provider,
            seats=rng.randint(8, 10) if fill == "full" else rng.randint(8, 20),
            deadline_days=rng.choice((None, 3, 5, 7)),
            status=CourseStatus.DRAFT if fill == "none" else CourseStatus.PUBLISHED,
            style=style,
        )
        return CoursePlan(fields, fill)

    def _course_plans(self, block: int) -> list[CoursePlan]:
        anchors = self._anchor_plans() if block == 0 else []
        formats = [Format.IN_PERSON] * 28 + [Format.ONLINE] * 8 + [Format.HYBRID] * 4
        for anchor in anchors:
            formats.remove(anchor.fields["format"])
        fills = ["full"] * (1 if block == 0 else 4) + ["none"] * (0 if block == 0 else 2)
        fills += ["partial", "partial", "few"] * len(formats)
        fills = fills[: len(formats)]
        self.rng.shuffle(formats)
        self.rng.shuffle(fills)
        randoms = [
            self._random_plan(block, fmt, fill) for fmt, fill in zip(formats, fills, strict=True)
        ]
        return anchors + randoms

    # -- bookings --

    def _children_for(self, course: Course, learner) -> list[int]:
        if not course.has_childcare:
            return []
        low, high = course.childcare_min_age or 0, course.childcare_max_age or 0
        return [age for age in self.children.get(learner.pk, []) if low <= age <= high][:3]

    def _book(self, course: Course, learner, children_ages: list[int]) -> Booking:
        booking = book_course(course=course, learner=learner, children_ages=children_ages)
        self.active_bookings[learner.pk] += 1
        self.booked.add((course.pk, learner.pk))
        return booking

    def _candidates(self, course: Course, learners: list) -> list:
        """Learners from the course's region first (online: everyone), parents
        whose children fit the childcare before others, then the town's own."""
        pool = list(learners)
        self.rng.shuffle(pool)
        if course.municipality_id is None:
            return sorted(pool, key=lambda learner: 0 if self._children_for(course, learner) else 1)
        region = self.region_of[course.municipality_id]

        def order(learner) -> tuple[int, int, int]:
            return (
                0 if self.region_of.get(learner.home_municipality_id) == region else 1,
                0 if self._children_for(course, learner) else 1,
                0 if learner.home_municipality_id == course.municipality_id else 1,
            )

        return sorted(pool, key=order)

    def _fill(self, course: Course, learners: list, *, target: int, waiting: int) -> list[Booking]:
        """Book learners until ``target`` seats are confirmed and ``waiting`` more wait.

        ``target`` counts seats already held; ``waiting`` only bookings added here.
        Local counts mirror the service's rules only to choose whom to ask next;
        the service decides every booking's status itself.
        """
        bookings: list[Booking] = []
        confirmed, childcare = selectors.capacity_taken(course.pk)
        waited = 0
        for learner in self._candidates(course, learners):
            if confirmed >= target and waited >= waiting:
                break
            if (course.pk, learner.pk) in self.booked:
                continue
            if self.active_bookings[learner.pk] >= MAX_ACTIVE_BOOKINGS_PER_LEARNER:
                continue
            ages = self._children_for(course, learner)
            fits = confirmed < course.seats and childcare + len(ages) <= course.childcare_places
            if not fits and waited >= waiting:
                continue  # would only lengthen the waiting list
            if fits and confirmed >= target:
                continue  # a partly filled course stays partly filled
            try:
                booking = self._book(course, learner, ages)
            except OverlapsBooking:
                continue  # they have a course at that time already; ask the next one
            bookings.append(booking)
            if booking.status == BookingStatus.CONFIRMED:
                confirmed += 1
                childcare += booking.childcare_places
            else:
                waited += 1
        return bookings

    def _cancel_first_confirmed(self, bookings: list[Booking], *, by_coordinator: bool) -> None:
        for booking in bookings:
            if booking.status == BookingStatus.CONFIRMED:
                by = self.coordinators[-1] if by_coordinator else booking.learner
                cancel_booking(booking=booking, by=by)
                self.active_bookings[booking.learner_id] -= 1
                self.booked.discard((booking.course_id, booking.learner_id))
                return

    def _book_block(self, block: int, courses: list[tuple[Course, CoursePlan]], learners) -> None:
        rng = self.rng
        by_key = {plan.key: course for course, plan in courses if plan.key}
        self.anchors.update(by_key)
        if block == 0:
            self._book_demo_learners(by_key, learners)
        cancellations = 0 if block == 0 else 2
        ordered = sorted(courses, key=lambda pair: pair[1].fill != "full")  # full ones first
        for course, plan in ordered:
            if plan.key in ("learner_waiting", "learner_offered") or plan.fill == "none":
                continue
            if plan.fill == "full":
                bookings = self._fill(
                    course, learners, target=course.seats, waiting=rng.randint(2, 5)
                )
                if cancellations:
                    self._cancel_first_confirmed(bookings, by_coordinator=cancellations == 1)
                    cancellations -= 1
                elif plan.key == "childcare_full":
                    with_children = [b for b in bookings if b.childcare_places]
                    self._cancel_first_confirmed(with_children or bookings, by_coordinator=True)
            elif plan.fill == "partial":
                share = rng.uniform(0.15, 0.55)
                self._fill(course, learners, target=max(1, round(course.seats * share)), waiting=0)
            else:
                self._fill(course, learners, target=rng.randint(0, 2), waiting=0)

    def _book_demo_learners(self, by_key: dict[str, Course], learners: list) -> None:
        """Amal (learner@) gets a confirmed place with childcare, a place on a
        waiting list, and an offer: she waits first in line on a full course, then
        someone with a confirmed seat cancels. Olena (learner.uk@) gets a seat."""
        amal = self.logins[LEARNER_LOGIN.email]
        olena = self.logins[LEARNER_UK_LOGIN.email]

        self._book(by_key["learner_confirmed"], amal, [2, 4])
        self._book(by_key["learner_uk"], olena, [])

        waiting_course = by_key["learner_waiting"]
        self._fill(waiting_course, learners, target=waiting_course.seats, waiting=2)
        self._book(waiting_course, amal, [])
        self._fill(waiting_course, learners, target=waiting_course.seats, waiting=1)

        offer_course = by_key["learner_offered"]
        bookings = self._fill(offer_course, learners, target=offer_course.seats, waiting=0)
        self._book(offer_course, amal, [])
        self._fill(offer_course, learners, target=offer_course.seats, waiting=2)
        self._cancel_first_confirmed(bookings, by_coordinator=False)


# --- Summary ------------------------------------------------------------------------


def summary() -> dict:
    User = get_user_model()
    courses = Course.objects.all()
    roles = dict(
        Group.objects.filter(name__in=ALL_ROLES).annotate(n=Count("user")).values_list("name", "n")
    )
    return {
        "providers": Provider.objects.count(),
        "venues": Venue.objects.count(),
        "courses": courses.count(),
        "courses_by_status": dict(Counter(courses.values_list("status", flat=True))),
        "courses_by_format": dict(Counter(courses.values_list("format", flat=True))),
        "courses_by_level": dict(sorted(Counter(courses.values_list("level", flat=True)).items())),
        "courses_with_childcare": courses.filter(childcare_places__gt=0).count(),
        "courses_with_waiting_list": courses.filter(bookings__status=BookingStatus.WAITLISTED)
        .distinct()
        .count(),
        "sessions": CourseSession.objects.count(),
        "users": User.objects.count(),
        "learners": roles.get(LEARNER, 0),
        "coaches": roles.get(COACH, 0),
        "coordinators": roles.get(COORDINATOR, 0),
        "teachers": roles.get(TEACHER, 0),
        "data_protection_officers": roles.get(DATA_PROTECTION_OFFICER, 0),
        "attendance": Attendance.objects.count(),
        "bookings": Booking.objects.count(),
        "bookings_by_status": dict(Counter(Booking.objects.values_list("status", flat=True))),
        "bookings_with_childcare": Booking.objects.filter(
            Q(childcare_places__gt=0), ~Q(status=BookingStatus.CANCELLED)
        ).count(),
        "coach_profiles": CoachProfile.objects.count(),
        "coaching_requests": dict(
            Counter(CoachingRequest.objects.values_list("status", flat=True))
        ),
        "mentorships": Mentorship.objects.count(),
    }


def summary_text(stats: dict) -> str:
    def pairs(counts: dict) -> str:
        return ", ".join(f"{key} {value}" for key, value in counts.items())

    return "\n".join(
        [
            f"  providers     {stats['providers']}",
            f"  venues        {stats['venues']}",
            f"  courses       {stats['courses']}  ({pairs(stats['courses_by_status'])})",
            f"                by format: {pairs(stats['courses_by_format'])}",
            f"                by level: {pairs(stats['courses_by_level'])}",
            f"                with childcare {stats['courses_with_childcare']}, "
            f"with a waiting list {stats['courses_with_waiting_list']}",
            f"  sessions      {stats['sessions']}",
            f"  users         {stats['users']}  (learners {stats['learners']}, "
            f"coaches {stats['coaches']}, coordinators {stats['coordinators']}, "
            f"teachers {stats['teachers']})",
            f"  bookings      {stats['bookings']}  ({pairs(stats['bookings_by_status'])})",
            f"                active with childcare {stats['bookings_with_childcare']}",
            f"  attendance    {stats['attendance']} marks",
            f"  coaching      {stats['coach_profiles']} coach profiles, requests "
            f"({pairs(stats['coaching_requests'])}), {stats['mentorships']} mentorship",
        ]
    )


def seed(*, scale: int = 1, log: Callable[[str], None] = print) -> dict:
    """Load the demo data in one transaction and return the summary counts."""
    DemoSeeder(scale=scale, log=log).run()
    return summary()

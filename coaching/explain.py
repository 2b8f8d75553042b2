"""Words for the matching engine's numbers, in the reader's language.

The engine (coaching/matching) knows no Django and returns score parts and
unmatched reasons as codes with facts; this module turns them into plain
sentences a coordinator or coach can read.
"""

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from common import formatting
from common.languages import language_name

from .constants import Gender, Goal, Industry, LanguageLevel

_LEVEL_NAMES = dict(LanguageLevel.choices)
_SKILL_NAMES = {**dict(Goal.choices), **dict(Industry.choices)}
_GENDER_NAMES = dict(Gender.choices)


def _languages(codes) -> str:
    return ", ".join(language_name(code) for code in codes)


def _skills(codes) -> str:
    return ", ".join(str(_SKILL_NAMES.get(code, code)) for code in codes)


def _number(value) -> str:
    """12.0 → "12", 12.5 → "12,5" (in the reader's language); missing → "?"."""
    if value is None:
        return "?"
    return formatting.number(float(value), -1)


def _hours(minutes: int) -> str:
    return _number(minutes / 60)


def describe_part(part: dict) -> str:
    """One score part as a sentence, ending with its points."""
    name, facts = part["name"], part.get("facts", {})
    points = f"{part['points']}/{part['maximum']}"
    if name == "language":
        if facts.get("shared"):
            text = _("Speaks %(languages)s (%(level)s)") % {
                "languages": _languages(facts["shared"]),
                "level": _LEVEL_NAMES.get(facts.get("best_level"), facts.get("best_level") or ""),
            }
        else:
            text = _("No common language besides German; the learner's German is enough")
    elif name == "distance":
        if facts.get("online_only"):
            text = _("%(km)s km apart, beyond the coach's %(radius)s km: online only") % {
                "km": _number(facts.get("km")),
                "radius": _number(facts.get("radius_km")),
            }
        else:
            text = _("%(km)s km apart, within the coach's %(radius)s km") % {
                "km": _number(facts.get("km")),
                "radius": _number(facts.get("radius_km")),
            }
    elif name == "availability":
        text = _("%(hours)s hours a week in common") % {"hours": _hours(facts.get("minutes", 0))}
    elif name == "skills":
        wanted = facts.get("wanted") or []
        if not wanted:
            text = _("No particular goals given")
        else:
            text = _("Can help with %(covered)s of %(wanted)s goals: %(names)s") % {
                "covered": len(facts.get("covered") or []),
                "wanted": len(wanted),
                "names": _skills(facts.get("covered") or []) or "-",
            }
    elif name == "load":
        text = _("%(load)s of %(capacity)s places taken") % {
            "load": facts.get("load"),
            "capacity": facts.get("capacity"),
        }
    else:
        text = name
    return f"{text} — {points}"


def describe_reasons(reasons: list[dict]) -> list[str]:
    """Why a request stayed unmatched, as a funnel over the coaches.

    The engine reports, in order, how many coaches each hard rule removed;
    the last rule is where the candidates ran out, so it is worded as the
    conclusion ("No active coach speaks Tigrinya").
    """
    return [
        _describe_reason(reason, is_last=index == len(reasons) - 1)
        for index, reason in enumerate(reasons)
    ]


def _describe_reason(reason: dict, *, is_last: bool) -> str:
    code, n, facts = reason["code"], reason.get("count", 0), reason.get("facts", {})
    if code == "no_coach_in_programme":
        return _("No coach works in this programme yet")
    if code == "no_active_coach":
        return ngettext(
            "%(n)s coach in this programme is paused or not fully onboarded",
            "%(n)s coaches in this programme are paused or not fully onboarded",
            n,
        ) % {"n": n}
    if code == "no_common_language":
        languages = _languages(facts.get("languages") or []) or _("the learner's languages")
        if is_last:
            return _("No active coach speaks %(languages)s") % {"languages": languages}
        return ngettext(
            "%(n)s coach does not speak %(languages)s",
            "%(n)s coaches do not speak %(languages)s",
            n,
        ) % {"n": n, "languages": languages}
    if code == "too_far":
        return ngettext(
            "%(n)s coach lives too far away (nearest %(km)s km)",
            "%(n)s coaches live too far away (nearest %(km)s km)",
            n,
        ) % {"n": n, "km": _number(facts.get("nearest_km"))}
    if code == "gender_preference":
        return ngettext(
            "%(n)s coach is not of the preferred gender (%(gender)s)",
            "%(n)s coaches are not of the preferred gender (%(gender)s)",
            n,
        ) % {"n": n, "gender": _GENDER_NAMES.get(facts.get("preference"), "")}
    if code == "no_shared_time":
        return ngettext(
            "%(n)s coach has no shared hour a week",
            "%(n)s coaches have no shared hour a week",
            n,
        ) % {"n": n}
    if code == "declined_before":
        return ngettext(
            "%(n)s coach declined this request before",
            "%(n)s coaches declined this request before",
            n,
        ) % {"n": n}
    if code == "at_capacity":
        return ngettext(
            "%(n)s coach within %(km)s km, at capacity",
            "%(n)s coaches within %(km)s km, all at capacity",
            n,
        ) % {"n": n, "km": _number(facts.get("within_km"))}
    if code == "taken_by_other_requests":
        return ngettext(
            "%(n)s suitable coach, whose places went to other requests in this run",
            "%(n)s suitable coaches, whose places went to other requests in this run",
            n,
        ) % {"n": n}
    return code


def describe_rule(code: str) -> str:
    """A broken hard rule (for a coordinator's manual proposal)."""
    texts = {
        "programme": _("The coach does not work in this programme"),
        "inactive": _("The coach is paused or not fully onboarded"),
        "no_capacity": _("The coach has no free place"),
        "no_shared_time": _("No shared hour a week"),
        "no_common_language": _("No common language, and the learner's German is below B1"),
        "too_far": _("Too far for the coach, and not both online"),
        "gender_preference": _("Not the gender the learner asked for"),
        "declined_before": _("The coach declined this request before"),
    }
    return texts.get(code, code)

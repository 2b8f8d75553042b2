"""Demo coaching data: coach profiles, coaching requests, one running mentorship.

Called by ``seed_demo`` after the people exist. Everything goes through the
coaching services where a rule applies (requests, proposals, acceptance,
meetings), so the demo obeys the same rules as real use. A matching run is
deliberately left to the coordinator: that is the thing to try out.
"""

import random
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from accounts.roles import COACH, LEARNER
from places.models import Municipality

from . import services
from .constants import Gender, Goal, Industry, Programme
from .models import CoachingRequest, CoachProfile

# Languages volunteers in the district speak besides German, with weights.
COACH_LANGUAGES = {"en": 10, "fr": 3, "ru": 3, "tr": 3, "ar": 3, "uk": 2, "fa": 1, "ro": 1, "it": 2}
# Learners whose interface language is German speak one of these at home.
HOME_LANGUAGES_OF_GERMAN_USERS = ["ti", "ps", "ku", "so", "ro", "sq"]

MORNINGS = [(d, "09:00", "12:00") for d in range(5)]
AFTERNOONS = [(d, "14:00", "17:00") for d in range(5)]
EVENINGS = [(d, "18:00", "20:30") for d in range(5)]


def _slots(rng: random.Random, pattern, count: int) -> list[dict]:
    chosen = sorted(rng.sample(pattern, count))
    return [{"weekday": d, "start": start, "end": end} for d, start, end in chosen]


def _coach_profile(rng: random.Random, user, towns: list[Municipality], today) -> dict:
    languages = rng.sample(list(COACH_LANGUAGES), k=rng.choice((1, 2, 2, 3)))
    levels = ("basic", "good", "fluent", "fluent", "native")
    programmes = ["jobcoaching"] if rng.random() < 0.7 else ["care_language"]
    if rng.random() < 0.15:
        programmes = ["jobcoaching", "care_language"]
    skills = rng.sample(Goal.values, k=rng.randint(2, 4)) + rng.sample(Industry.values, k=2)
    onboarded = rng.random() < 0.9
    return {
        "programmes": programmes,
        "languages": [{"code": code, "level": rng.choice(levels)} for code in languages],
        "municipality": user.home_municipality or rng.choice(towns),
        "travel_radius_km": rng.choice((10, 15, 20, 25, 30)),
        "online_ok": rng.random() < 0.5,
        "availability": _slots(
            rng, rng.choice((MORNINGS, AFTERNOONS, EVENINGS)), rng.randint(2, 4)
        ),
        "capacity": rng.randint(1, 4),
        "skills": sorted(skills),
        "gender": rng.choice([*Gender.values, ""]),
        "volunteer_agreement_signed": onboarded,
        "police_certificate_seen_on": today - timedelta(days=rng.randint(30, 900))
        if onboarded
        else None,
    }


def _request_fields(rng: random.Random, learner, towns: list[Municipality]) -> dict:
    home = learner.preferred_language
    languages = [home] if home not in ("de",) else [rng.choice(HOME_LANGUAGES_OF_GERMAN_USERS)]
    if rng.random() < 0.3 and "en" not in languages:
        languages.append("en")
    care = rng.random() < 0.25
    fields = {
        "programme": Programme.CARE_LANGUAGE if care else Programme.JOBCOACHING,
        "goals": ["workplace_language"]
        if care
        else sorted(
            rng.sample(
                [
                    "cv",
                    "applications",
                    "interview",
                    "qualification_recognition",
                    "employer_contacts",
                ],
                k=rng.randint(1, 3),
            )
            + rng.sample(Industry.values, k=1)
        ),
        "languages": languages,
        "german_level": rng.choice(("none", "A1", "A1", "A2", "A2", "B1", "B2")),
        "municipality": learner.home_municipality or rng.choice(towns),
        "availability": _slots(
            rng, rng.choice((MORNINGS, AFTERNOONS, EVENINGS)), rng.randint(1, 3)
        ),
        "online_ok": rng.random() < 0.4,
        "coach_gender_preference": "female" if rng.random() < 0.15 else "",
    }
    if care:
        fields["care_facility"] = rng.choice(
            (
                "Seniorenzentrum am Park",
                "Pflegeheim Sonnenhalde",
                "Ambulanter Pflegedienst",
                "Haus der Pflege",
            )
        )
        fields["shift_pattern"] = rng.choice(("early", "late", "rotating"))
    return fields


def seed(*, rng: random.Random, coordinator, jobcoach, language_coach, mentee) -> dict:
    """Profiles for every coach, requests from about 40 % of learners, and one
    mentorship (``jobcoach`` with ``mentee``) with a meeting, a note and a milestone."""
    User = get_user_model()
    today = timezone.localdate()
    towns = list(Municipality.objects.order_by("pk"))
    coaches = list(User.objects.filter(groups__name=COACH).order_by("pk"))
    CoachProfile.objects.bulk_create(
        CoachProfile(user=coach, **_coach_profile(rng, coach, towns, today)) for coach in coaches
    )
    # The demo coaches: complete and active. The jobcoach speaks Ukrainian and
    # English; the language coach works with care staff around their shifts.
    CoachProfile.objects.filter(user=language_coach).update(
        programmes=["care_language"],
        languages=[
            {"code": "ru", "level": "fluent"},
            {"code": "uk", "level": "good"},
            {"code": "ar", "level": "basic"},
        ],
        travel_radius_km=30,
        availability=[{"weekday": d, "start": "13:00", "end": "16:00"} for d in range(5)],
        capacity=4,
        is_active=True,
        volunteer_agreement_signed=True,
        police_certificate_seen_on=today - timedelta(days=400),
    )
    CoachProfile.objects.filter(user=jobcoach).update(
        programmes=["jobcoaching"],
        languages=[{"code": "uk", "level": "good"}, {"code": "en", "level": "fluent"}],
        travel_radius_km=25,
        online_ok=True,
        availability=[{"weekday": d, "start": "16:00", "end": "19:00"} for d in (0, 2, 3)],
        capacity=3,
        volunteer_agreement_signed=True,
        police_certificate_seen_on=today - timedelta(days=200),
    )

    learners = list(User.objects.filter(groups__name=LEARNER).exclude(pk=mentee.pk).order_by("pk"))
    requests = 0
    for learner in learners:
        if rng.random() < 0.4:
            services.create_request(
                learner=learner, created_by=learner, **_request_fields(rng, learner, towns)
            )
            requests += 1

    request = services.create_request(
        learner=mentee,
        created_by=coordinator,
        programme=Programme.JOBCOACHING,
        goals=["cv", "applications", "qualification_recognition"],
        languages=["uk", "en"],
        german_level="B1",
        municipality=mentee.home_municipality or Municipality.objects.get(name="Neckarsulm"),
        availability=[{"weekday": 2, "start": "16:00", "end": "18:00"}],
        online_ok=True,
    )
    proposal, _warnings = services.propose_by_hand(request=request, coach=jobcoach, by=coordinator)
    mentorship = services.accept_proposal(proposal=proposal, coach=jobcoach)
    start = (timezone.now() + timedelta(days=3)).replace(hour=16, minute=0, second=0, microsecond=0)
    services.schedule_meeting(
        mentorship=mentorship,
        by=jobcoach,
        starts_at=start,
        ends_at=start + timedelta(hours=1),
        place="Stadtbücherei Neckarsulm, Gruppenraum",
    )
    services.add_note(
        mentorship=mentorship,
        author=jobcoach,
        text="Lebenslauf auf Deutsch begonnen; Zeugnisse für die Anerkennung sammeln.",
    )
    services.record_milestone(
        mentorship=mentorship,
        by=jobcoach,
        kind="recognition_applied",
        occurred_on=today - timedelta(days=2),
    )
    return {
        "coach_profiles": len(coaches),
        "coaching_requests": requests + 1,
        "mentorships": 1,
        "open_requests": CoachingRequest.objects.filter(status="open").count(),
    }

"""Choice sets for coaching. The values are the ones the matching engine
(coaching/matching) uses; tests/coaching check that both agree."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from common.languages import LANGUAGE_CODES

# The languages a learner names besides German (which every coaching speaks).
OTHER_LANGUAGE_CODES = [code for code in LANGUAGE_CODES if code != "de"]


class Programme(models.TextChoices):
    JOBCOACHING = "jobcoaching", _("Jobcoaching")
    CARE_LANGUAGE = "care_language", _("Language coaching in care work")


class Goal(models.TextChoices):
    CV = "cv", _("CV")
    APPLICATIONS = "applications", _("Applications")
    INTERVIEW = "interview", _("Job interviews")
    QUALIFICATION_RECOGNITION = "qualification_recognition", _("Recognition of qualifications")
    WORKPLACE_LANGUAGE = "workplace_language", _("German at work")
    EMPLOYER_CONTACTS = "employer_contacts", _("Contacts to employers")


class Industry(models.TextChoices):
    CARE = "care", _("Care")
    TRADES = "trades", _("Trades")
    LOGISTICS = "logistics", _("Logistics")
    OFFICE = "office", _("Office")
    IT = "it", _("IT")
    GASTRONOMY = "gastronomy", _("Gastronomy")
    RETAIL = "retail", _("Retail")
    CLEANING = "cleaning", _("Cleaning")
    PRODUCTION = "production", _("Production")


# What a coach can help with: the goals plus the industries they know.
SKILL_CHOICES = [*Goal.choices, *Industry.choices]


class LanguageLevel(models.TextChoices):
    BASIC = "basic", _("basic")
    GOOD = "good", _("good")
    FLUENT = "fluent", _("fluent")
    NATIVE = "native", _("native")


class GermanLevel(models.TextChoices):
    NONE = "none", _("no German yet")
    A1 = "A1", "A1"
    A2 = "A2", "A2"
    B1 = "B1", "B1"
    B2 = "B2", "B2"
    C1 = "C1", "C1"


class Gender(models.TextChoices):
    FEMALE = "female", _("female")
    MALE = "male", _("male")
    DIVERSE = "diverse", _("diverse")


class ShiftPattern(models.TextChoices):
    EARLY = "early", _("Early shift")
    LATE = "late", _("Late shift")
    NIGHT = "night", _("Night shift")
    ROTATING = "rotating", _("Rotating shifts")
    DAY = "day", _("Day work")


class RequestStatus(models.TextChoices):
    OPEN = "open", _("Open")
    PROPOSED = "proposed", _("Coach proposed")
    MATCHED = "matched", _("Matched")
    CLOSED = "closed", _("Closed")


# Requests still under way: a learner has at most one of these per programme.
ACTIVE_REQUEST_STATUSES = (RequestStatus.OPEN, RequestStatus.PROPOSED, RequestStatus.MATCHED)


class ProposalStatus(models.TextChoices):
    PROPOSED = "proposed", _("Waiting for approval")
    APPROVED = "approved", _("Waiting for the coach")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    EXPIRED = "expired", _("Expired")
    SUPERSEDED = "superseded", _("Replaced by a newer matching run")


# Proposals that still hold a place in a coach's capacity.
OPEN_PROPOSAL_STATUSES = (ProposalStatus.PROPOSED, ProposalStatus.APPROVED)


class MeetingStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    CANCELLED = "cancelled", _("Cancelled")


class MilestoneKind(models.TextChoices):
    APPLICATION_SENT = "application_sent", _("Application sent")
    INTERVIEW = "interview", _("Job interview")
    JOB_OFFER = "job_offer", _("Job offer")
    JOB_STARTED = "job_started", _("Job started")
    RECOGNITION_APPLIED = "recognition_applied", _("Recognition applied for")


class EndReason(models.TextChoices):
    GOAL_REACHED = "goal_reached", _("Goal reached")
    JOB_FOUND = "job_found", _("Job found")
    LEARNER_WITHDREW = "learner_withdrew", _("The learner stopped")
    COACH_WITHDREW = "coach_withdrew", _("The coach stopped")
    NO_CONTACT = "no_contact", _("No contact any more")
    MOVED_AWAY = "moved_away", _("Moved away")
    OTHER = "other", _("Other reason")


# Endings that count as success for the funders' figures; others are early endings.
SUCCESSFUL_ENDINGS = (EndReason.GOAL_REACHED, EndReason.JOB_FOUND)

# Days a coach has to answer an approved proposal.
PROPOSAL_ANSWER_DAYS = 7
# An extended police certificate ("erweitertes Führungszeugnis") older than
# this no longer counts for onboarding.
POLICE_CERTIFICATE_VALID_YEARS = 5

# --- Limits of dates (checked in coaching/services.py, for every door) ----------
# A meeting is planned at most this far ahead, and lasts at most this long.
MEETING_MAX_DAYS_AHEAD = 366
MEETING_MAX_HOURS = 12
# A milestone is recorded on the day or afterwards, but not years later.
MILESTONE_MAX_DAYS_BACK = 366

# --- Limits of lists in a profile or request (every list has one) --------------
# Weekly times as ranges (day, from, until): four a day is plenty; the web form
# shows at most 14 rows.
MAX_AVAILABILITY_RANGES = 28
# Languages a person lists besides German.
MAX_LANGUAGES = 10

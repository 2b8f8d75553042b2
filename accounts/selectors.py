"""Reads about users."""

from django.contrib.auth import get_user_model

from .roles import LEARNER


def learners():
    return get_user_model().objects.filter(groups__name=LEARNER, is_active=True)

"""The ranking weights in force: an administrator's saved ones over settings over the engine's
defaults (saving them is ``services.ranking_weights_save``, which also re-matches)."""
from __future__ import annotations

import dataclasses
import logging
from collections.abc import Mapping

from django.conf import settings

from matching.engine import RankingWeights
from matching.models import RankingSettings

logger = logging.getLogger(__name__)


def weights() -> RankingWeights:
    """The ranking weights in force: those an administrator saved (``RankingSettings``) over
    ``MATCHING["WEIGHTS"]`` over the defaults of ``RankingWeights``."""
    saved = RankingSettings.objects.filter(pk=RankingSettings.SINGLETON).values_list("weights", flat=True).first()
    values = {**settings.MATCHING["WEIGHTS"], **_known_weights(saved or {})}
    return RankingWeights.from_dict(values)


def _known_weights(values: Mapping) -> dict:
    """Saved weights the engine still knows: a renamed weight must not stop every search."""
    known = {f.name for f in dataclasses.fields(RankingWeights)}
    unknown = sorted(set(values) - known)
    if unknown:
        logger.warning("Ignoring saved ranking weights the engine does not know: %s", unknown)
    return {key: value for key, value in values.items() if key in known}


def _weights_stamp() -> str | None:
    """Changes whenever the saved weights change (their save time); None when none are saved."""
    saved_at = RankingSettings.objects.filter(pk=RankingSettings.SINGLETON).values_list("updated_at", flat=True).first()
    return saved_at.isoformat() if saved_at else None

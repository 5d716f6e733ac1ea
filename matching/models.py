"""What the matcher keeps in the database: the version of the derived index files (so every
process notices a newer index and reloads), the stored top matches of each open need."""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from marketplace.catalog.models import Need, Solution


class IndexState(models.Model):
    """The database is the source of truth; index files are derived, versioned artifacts."""

    SOLUTIONS = "solutions"

    name = models.CharField(primary_key=True, max_length=32)
    version = models.PositiveBigIntegerField(default=0)
    identity = models.CharField(_("嵌入模型"), max_length=255, blank=True)
    recipe = models.CharField(_("文本配方"), max_length=64, blank=True)
    size = models.PositiveIntegerField(default=0)
    built_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("索引状态")
        verbose_name_plural = _("索引状态")

    def __str__(self) -> str:
        return f"{self.name} v{self.version} ({self.size})"


class Match(models.Model):
    """One of a need's current top matches, with the explanation shown to the enterprise."""

    need = models.ForeignKey(Need, verbose_name=_("需求"), on_delete=models.CASCADE, related_name="matches")
    solution = models.ForeignKey(
        Solution, verbose_name=_("解决方案"), on_delete=models.CASCADE, related_name="matches"
    )
    rank = models.PositiveSmallIntegerField(_("排名"))
    score = models.FloatField(_("匹配分"))
    components = models.JSONField(_("得分构成"), default=dict)
    reasons = models.JSONField(
        _("推荐理由"), default=list, help_text=_("理由代码及参数，按读者语言显示（matching/explain.py）")
    )
    over_budget = models.BooleanField(_("超预算"), default=False)
    computed_at = models.DateTimeField(_("计算时间"), auto_now=True)

    class Meta:
        ordering = ["need", "rank"]
        verbose_name = _("匹配结果")
        verbose_name_plural = _("匹配结果")
        constraints = [
            models.UniqueConstraint(fields=["need", "solution"], name="match_unique_need_solution"),
            models.UniqueConstraint(fields=["need", "rank"], name="match_unique_need_rank"),
        ]

    def __str__(self) -> str:
        return f"{self.need.ref} #{self.rank} {self.solution.ref}"


class MatchFrontier(models.Model):
    """What another solution would have to score to change a need's stored matches, written
    with them (``Matcher.search(frontier=...)`` plus the last stored score): the targeted
    re-matching of ``matching.targeting`` reads it to skip the needs a changed solution cannot
    reach. A need without one is always re-matched."""

    need = models.OneToOneField(Need, on_delete=models.CASCADE, primary_key=True, related_name="match_frontier")
    data = models.JSONField(default=dict)
    computed_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.need_id} frontier"


class MatchLabel(models.Model):
    """A staff judgement of one (need, solution) pair: the online twin of a qrels line.

    Labels outlive the Match rows they were given on (matches are recomputed), and
    ``evaluate_matching --labels`` scores the ranking against them."""

    class Grade(models.IntegerChoices):
        NOT_RELEVANT = 0, _("不相关")
        PARTLY = 1, _("部分相关")
        RELEVANT = 2, _("相关")

    need = models.ForeignKey(Need, verbose_name=_("需求"), on_delete=models.CASCADE, related_name="match_labels")
    solution = models.ForeignKey(
        Solution, verbose_name=_("解决方案"), on_delete=models.CASCADE, related_name="match_labels"
    )
    grade = models.PositiveSmallIntegerField(_("相关度"), choices=Grade.choices)
    note = models.CharField(_("备注"), max_length=500, blank=True)
    labelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("标注人"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    updated_at = models.DateTimeField(_("标注时间"), auto_now=True)

    class Meta:
        ordering = ["-updated_at", "-pk"]
        verbose_name = _("匹配标注")
        verbose_name_plural = _("匹配标注")
        constraints = [
            models.UniqueConstraint(fields=["need", "solution"], name="match_label_unique_pair"),
            models.CheckConstraint(condition=models.Q(grade__in=[0, 1, 2]), name="match_label_grade_range"),
        ]

    def __str__(self) -> str:
        return f"{self.need.ref} {self.solution.ref}: {self.grade}"


class RankingSettings(models.Model):
    """The ranking weights an administrator saved (one row); they override
    ``settings.MATCHING["WEIGHTS"]``. Written only by ``services.ranking_weights_save``."""

    SINGLETON = 1

    id = models.PositiveSmallIntegerField(primary_key=True, default=SINGLETON, editable=False)
    weights = models.JSONField(_("排序权重"), default=dict)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("修改人"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)

    class Meta:
        verbose_name = _("排序设置")
        verbose_name_plural = _("排序设置")
        constraints = [models.CheckConstraint(condition=models.Q(id=1), name="ranking_settings_singleton")]

    def __str__(self) -> str:
        return f"ranking settings ({self.updated_at:%Y-%m-%d %H:%M})" if self.updated_at else "ranking settings"

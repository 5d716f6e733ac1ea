"""What the matcher keeps in the database: the stored vectors every process builds its in-memory
index from, the index version (so every process notices a newer one and refreshes), the stored
top matches of each open need and the stamp of what they were computed against."""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from marketplace.catalog.models import Need, Solution


class IndexState(models.Model):
    """The index version, bumped (under a row lock) by every write of the stored vectors."""

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


class SolutionVector(models.Model):
    """A solution as the index holds it: its passage vector, the model (``identity``) and the text
    (``text_hash``) it was encoded from, and ``state_hash`` over the text and every fact the
    ranking reads. Written by workers (``services.solutions_sync``, ``index_build``); every process
    builds its in-memory index from these rows without encoding or segmenting. A solution whose current state
    hash differs from the stored one (or that has no row) is pending."""

    solution = models.OneToOneField(Solution, primary_key=True, on_delete=models.CASCADE, related_name="vector")
    identity = models.CharField(_("嵌入模型"), max_length=255)
    text_hash = models.CharField(max_length=64)
    state_hash = models.CharField(max_length=64)
    vector = models.BinaryField()
    # The lexical (BM25) term counts of the text and the tokenizer that made them, so that loading
    # an index segments nothing either.
    terms = models.JSONField(default=dict)
    tokenizer = models.CharField(max_length=255, blank=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("方案向量")
        verbose_name_plural = _("方案向量")

    def __str__(self) -> str:
        return f"solution {self.solution_id} ({self.identity})"


class NeedVector(models.Model):
    """A need's query vector (model ``identity``, ``text_hash`` of the query text) and the stamp of
    its stored matches: ``matched_version`` is the index version they were computed against and
    ``matched_hash`` the query (text, budget, industry, place, timeline) and ranking weights they
    were computed for.
    An open need whose stamp is behind either is pending."""

    need = models.OneToOneField(Need, primary_key=True, on_delete=models.CASCADE, related_name="vector")
    identity = models.CharField(_("嵌入模型"), max_length=255)
    text_hash = models.CharField(max_length=64)
    vector = models.BinaryField()
    matched_version = models.PositiveBigIntegerField(default=0)
    matched_hash = models.CharField(max_length=64, blank=True)
    matched_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("需求向量")
        verbose_name_plural = _("需求向量")

    def __str__(self) -> str:
        return f"need {self.need_id} v{self.matched_version}"

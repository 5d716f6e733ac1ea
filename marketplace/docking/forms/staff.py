"""Forms of the administrator's pages: a label on a stored match, the ranking weights, the city
of the demand table."""
from __future__ import annotations

import dataclasses

from django import forms
from django.utils.translation import gettext_lazy as _

from marketplace.catalog.models import City
from matching.engine import RankingWeights
from matching.models import Match, MatchLabel

MATCH_GONE = _("这条匹配已被重新计算，请标注下一条。")
UNKNOWN_CITY = _("没有这个城市，已显示全部城市。")

# Label and help of each RankingWeights field, after the documentation in matching/engine/types.py.
# A field the engine adds later still gets a form field (named by its code) until it is described here.
WEIGHT_TEXTS = {
    "relevance_floor": (
        _("相关度保底"),
        _("结构化因素动不了的得分比例（0–1，默认 0）。0 表示得分 = 相关度 × S，结构化可以压低买不起、用不上的方案；0.5 表示结构化最多让得分减半。"),
    ),
    "budget": (_("预算匹配"), _("企业付不起的方案不会被采购（默认 0.30）。")),
    "industry": (_("行业匹配"), _("制造业经验因行业而异：窑炉不是织机（默认 0.25）。")),
    "region": (_("地域匹配"), _("交付和服务要到现场，服务商大多在本地作业（默认 0.20）。")),
    "speed": (_("上线速度"), _("需求有期限时更重要，否则影响较小（默认 0.10）。")),
    "track_record": (_("落地案例"), _("已有客户降低风险，但新服务商也要有机会（默认 0.10）。")),
    "tier": (_("平台层级"), _("平台资质与是否合适关系不大，只用来区分不相上下的方案（默认 0.05）。")),
    "dense": (_("语义检索权重"), _("两路检索融合时语义通道的权重：它理解换了说法的表述，如“老师傅看火”与“燃烧控制”（默认 0.6）。")),
    "lexical": (_("关键词检索权重"), _("两路检索融合时关键词通道的权重：它抓住确切的领域术语（默认 0.4）。")),
    "hard_region_filter": (
        _("严格地域过滤"),
        _("直接剔除不服务需求所在城市的方案：服务要到现场（默认开启；关闭则只降低其得分）。"),
    ),
    "hard_industry_filter": (
        _("严格行业过滤"),
        _("直接剔除既未标明适用该行业、也没有该行业案例、又非通用的方案（默认关闭：只降低其得分）。"),
    ),
    "term_focus": (
        _("问题词聚焦"),
        _("关键词通道按每个词对“是哪类问题”的信息量加权，而不是按行业词（默认开启）。"),
    ),
    "category_feedback": (
        _("类别反馈强度"),
        _("前几名候选的类别说明需求属于哪类问题；其他类别的候选相关度乘以 1 − f + f × 该类别占比（0–1，默认 0.3）。"),
    ),
    "category_feedback_depth": (_("类别反馈深度"), _("用来判断需求类别的前几名候选数（默认 10）。")),
    "dense_language_alignment": (
        _("跨语言语义对齐"),
        _("模型给另一种语言（中文/英文）写的方案打分偏低：按需求对两种语言方案的平均分之差的这一比例抬高它们，并召回每种语言的最佳方案（0–1，默认 0.75；0 关闭）。"),
    ),
    "glossary_expansion": (
        _("跨语言术语扩展"),
        _("关键词通道看不到另一种语言写的方案：需求里提到的领域概念按中英术语表补上另一种语言的说法（如“排产”补上对应的英文词），每个补上的词按这一比例计分（0–1，默认 0.5；0 关闭）。"),
    ),
    "cross_language_fusion": (
        _("跨语言只用语义通道"),
        _("需求与方案语言不同时，关键词通道看不到这一对，只用语义通道融合，而不把关键词零分当作反证（默认关闭）。"),
    ),
}
UNIT_INTERVAL = {"relevance_floor", "category_feedback", "dense_language_alignment", "glossary_expansion"}


class MatchLabelForm(forms.Form):
    match = forms.IntegerField(widget=forms.HiddenInput)
    grade = forms.TypedChoiceField(label=_("相关度"), choices=MatchLabel.Grade.choices, coerce=int)
    note = forms.CharField(label=_("备注（可选）"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def clean_match(self) -> Match:
        match = Match.objects.select_related("need", "solution").filter(pk=self.cleaned_data["match"]).first()
        if match is None:
            raise forms.ValidationError(MATCH_GONE)
        return match


class RankingWeightsForm(forms.Form):
    """One field per ``RankingWeights`` field; cleaned data is what ``RankingWeights.from_dict`` takes."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in dataclasses.fields(RankingWeights):
            label, help_text = WEIGHT_TEXTS.get(field.name, (field.name, ""))
            default = field.default
            if isinstance(default, bool):
                self.fields[field.name] = forms.BooleanField(label=label, help_text=help_text, required=False)
            elif isinstance(default, int):
                self.fields[field.name] = forms.IntegerField(label=label, help_text=help_text, min_value=1, max_value=200)
            else:
                self.fields[field.name] = forms.FloatField(
                    label=label, help_text=help_text, min_value=0.0, max_value=1.0 if field.name in UNIT_INTERVAL else 10.0,
                    widget=forms.NumberInput(attrs={"step": "0.01"}),
                )  # fmt: skip

    def clean(self):
        data = super().clean()
        if not self.errors:
            try:
                self.weights = RankingWeights.from_dict(data)
            except (TypeError, ValueError) as error:
                raise forms.ValidationError(str(error)) from None
        return data


class CityForm(forms.Form):
    city = forms.ModelChoiceField(label=_("城市"), queryset=City.objects.all(), required=False, empty_label=_("全部城市"), to_field_name="name")

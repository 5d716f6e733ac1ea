import factory

from marketplace.catalog import models


class ProviderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Provider

    ref = factory.Sequence(lambda n: f"P-T{n:04d}")
    name = factory.Sequence(lambda n: f"淄博测试科技{n}有限公司")
    city_id = "淄博市"
    tier_id = "other"


class SolutionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Solution

    ref = factory.Sequence(lambda n: f"S-T{n:05d}")
    provider = factory.SubFactory(ProviderFactory)
    title = factory.Sequence(lambda n: f"窑炉能耗监测方案{n}")
    category_id = "energy"
    description = "窑炉温度与天然气能耗实时监测，自动优化烧成曲线。"
    price_min = 50_000
    price_max = 120_000
    deployment_weeks = 6
    delivery_mode_id = "saas"
    all_regions = True


class EnterpriseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Enterprise

    ref = factory.Sequence(lambda n: f"E-T{n:05d}")
    name = factory.Sequence(lambda n: f"淄博博山测试陶瓷{n}有限公司")
    industry_id = "ceramics"
    city_id = "淄博市"


class NeedFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Need

    ref = factory.Sequence(lambda n: f"N-T{n:05d}")
    enterprise = factory.SubFactory(EnterpriseFactory)
    title = "窑炉节能"
    description = "窑炉温度全靠老师傅看火，天然气费用一年比一年高"
    budget_max = 150_000
    timeline_weeks = 8


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.User

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("pass-12345")

"""factory_boy factories for the code-set tables, for tests that need a handful of codes.

Other apps' tests use these rather than loading the full ICD-10-CM file.
"""

from __future__ import annotations

import factory

from portico.codes.models import AdjustmentReason, Icd10Code, PlaceOfService, RemarkCode, Taxonomy


class Icd10CodeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Icd10Code
        django_get_or_create = ("code",)

    code = "M5450"
    description = "Low back pain, unspecified"
    billable = True
    fiscal_year = 2026


class PlaceOfServiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PlaceOfService
        django_get_or_create = ("code",)

    code = "11"
    name = "Office"


class AdjustmentReasonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AdjustmentReason
        django_get_or_create = ("code",)

    code = "45"
    description = (
        "Charge exceeds fee schedule/maximum allowable or contracted/legislated fee arrangement."
    )


class RemarkCodeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RemarkCode
        django_get_or_create = ("code",)

    code = "N130"
    description = (
        "Consult plan benefit documents/guidelines for information about restrictions for "
        "this service."
    )


class TaxonomyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Taxonomy
        django_get_or_create = ("code",)

    code = "207Q00000X"
    grouping = "Allopathic & Osteopathic Physicians"
    classification = "Family Medicine"
    specialization = ""

"""Code sets: ICD-10-CM, CPT/HCPCS format rules, place of service, CARC/RARC and taxonomy.

Every other domain app validates and labels codes through this app, so that a diagnosis typed in
a referral form, read from an 837 or shown on an EOB is judged by one set of rules and one copy
of the published lists.
"""

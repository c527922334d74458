"""The EU DSA Transparency Database submission schema (API v2, in force since 1 July 2025), as data.

Mirrors the public repository digital-services-act/transparency-database:
- the validation rules of `app/Http/Requests/StatementStoreRequest.php` and
  `app/Http/Requests/StatementsStoreRequest.php` (the multiple endpoint's per-statement rules,
  also in `app/Services/GroupedSubmissionsService.php`, which adds the PUID pattern);
- the constants of `app/Models/Statement.php` (visibility, monetary, provision, account, account
  type, ground, content type, source type, automated detection/decision) and
  `app/Services/EuropeanCountriesService.php` (territorial scope);
- `resources/markdown/api-documentation-two.md` (commit
  ea9109063034612a6da803a9dad92f2d701ee204): the v2 categories and keywords, `content_id`,
  "territorial_scope is a required attribute", end dates on or after the application date, and
  the batch endpoint (`{"statements": [...]}`, at most 100 per call).

Plain data and one pure function per rule family: no Django here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# --- Allowed values ------------------------------------------------------------------------

DECISION_VISIBILITIES = (
    "DECISION_VISIBILITY_CONTENT_REMOVED",
    "DECISION_VISIBILITY_CONTENT_DISABLED",
    "DECISION_VISIBILITY_CONTENT_DEMOTED",
    "DECISION_VISIBILITY_CONTENT_AGE_RESTRICTED",
    "DECISION_VISIBILITY_CONTENT_INTERACTION_RESTRICTED",
    "DECISION_VISIBILITY_CONTENT_LABELLED",
    "DECISION_VISIBILITY_OTHER",
)
DECISION_MONETARIES = (
    "DECISION_MONETARY_SUSPENSION",
    "DECISION_MONETARY_TERMINATION",
    "DECISION_MONETARY_OTHER",
)
DECISION_PROVISIONS = (
    "DECISION_PROVISION_PARTIAL_SUSPENSION",
    "DECISION_PROVISION_TOTAL_SUSPENSION",
    "DECISION_PROVISION_PARTIAL_TERMINATION",
    "DECISION_PROVISION_TOTAL_TERMINATION",
)
DECISION_ACCOUNTS = ("DECISION_ACCOUNT_SUSPENDED", "DECISION_ACCOUNT_TERMINATED")
ACCOUNT_TYPES = ("ACCOUNT_TYPE_BUSINESS", "ACCOUNT_TYPE_PRIVATE")

DECISION_GROUND_ILLEGAL_CONTENT = "DECISION_GROUND_ILLEGAL_CONTENT"
DECISION_GROUND_INCOMPATIBLE_CONTENT = "DECISION_GROUND_INCOMPATIBLE_CONTENT"
DECISION_GROUNDS = (DECISION_GROUND_ILLEGAL_CONTENT, DECISION_GROUND_INCOMPATIBLE_CONTENT)

CONTENT_TYPES = (
    "CONTENT_TYPE_APP",
    "CONTENT_TYPE_AUDIO",
    "CONTENT_TYPE_IMAGE",
    "CONTENT_TYPE_PRODUCT",
    "CONTENT_TYPE_SYNTHETIC_MEDIA",
    "CONTENT_TYPE_TEXT",
    "CONTENT_TYPE_VIDEO",
    "CONTENT_TYPE_OTHER",
)

# The v2 categories (1 July 2025). The v1 values PORNOGRAPHY_OR_SEXUALIZED_CONTENT,
# SCOPE_OF_PLATFORM_SERVICE (now OTHER_VIOLATION_TC), NON_CONSENSUAL_BEHAVIOUR and
# UNSAFE_AND_ILLEGAL_PRODUCTS are gone.
STATEMENT_CATEGORIES = (
    "STATEMENT_CATEGORY_ANIMAL_WELFARE",
    "STATEMENT_CATEGORY_CONSUMER_INFORMATION",
    "STATEMENT_CATEGORY_CYBER_VIOLENCE",
    "STATEMENT_CATEGORY_CYBER_VIOLENCE_AGAINST_WOMEN",
    "STATEMENT_CATEGORY_DATA_PROTECTION_AND_PRIVACY_VIOLATIONS",
    "STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH",
    "STATEMENT_CATEGORY_INTELLECTUAL_PROPERTY_INFRINGEMENTS",
    "STATEMENT_CATEGORY_NEGATIVE_EFFECTS_ON_CIVIC_DISCOURSE_OR_ELECTIONS",
    "STATEMENT_CATEGORY_NOT_SPECIFIED_NOTICE",
    "STATEMENT_CATEGORY_OTHER_VIOLATION_TC",
    "STATEMENT_CATEGORY_PROTECTION_OF_MINORS",
    "STATEMENT_CATEGORY_RISK_FOR_PUBLIC_SECURITY",
    "STATEMENT_CATEGORY_SCAMS_AND_FRAUD",
    "STATEMENT_CATEGORY_SELF_HARM",
    "STATEMENT_CATEGORY_UNSAFE_AND_PROHIBITED_PRODUCTS",
    "STATEMENT_CATEGORY_VIOLENCE",
)

# category_specification (v2 keywords).
KEYWORDS = (
    "KEYWORD_ADULT_SEXUAL_MATERIAL",
    "KEYWORD_AGE_SPECIFIC_RESTRICTIONS",
    "KEYWORD_AGE_SPECIFIC_RESTRICTIONS_MINORS",
    "KEYWORD_ANIMAL_HARM",
    "KEYWORD_BIOMETRIC_DATA_BREACH",
    "KEYWORD_BULLYING_AGAINST_GIRLS",
    "KEYWORD_CHILD_SEXUAL_ABUSE_MATERIAL",
    "KEYWORD_CHILD_SEXUAL_ABUSE_MATERIAL_DEEPFAKE",
    "KEYWORD_CONTENT_PROMOTING_EATING_DISORDERS",
    "KEYWORD_COORDINATED_HARM",
    "KEYWORD_COPYRIGHT_INFRINGEMENT",
    "KEYWORD_CYBER_BULLYING_INTIMIDATION",
    "KEYWORD_CYBER_HARASSMENT",
    "KEYWORD_CYBER_HARASSMENT_AGAINST_WOMEN",
    "KEYWORD_CYBER_INCITEMENT",
    "KEYWORD_CYBER_STALKING",
    "KEYWORD_CYBER_STALKING_AGAINST_WOMEN",
    "KEYWORD_DATA_FALSIFICATION",
    "KEYWORD_DEFAMATION",
    "KEYWORD_DESIGN_INFRINGEMENT",
    "KEYWORD_DISCRIMINATION",
    "KEYWORD_FEMALE_GENDERED_DISINFORMATION",
    "KEYWORD_GEOGRAPHIC_INDICATIONS_INFRINGEMENT",
    "KEYWORD_GEOGRAPHICAL_REQUIREMENTS",
    "KEYWORD_GOODS_SERVICES_NOT_PERMITTED",
    "KEYWORD_GROOMING_SEXUAL_ENTICEMENT_MINORS",
    "KEYWORD_HATE_SPEECH",
    "KEYWORD_HIDDEN_ADVERTISEMENT",
    "KEYWORD_HUMAN_EXPLOITATION",
    "KEYWORD_HUMAN_TRAFFICKING",
    "KEYWORD_ILLEGAL_ORGANIZATIONS",
    "KEYWORD_IMPERSONATION_ACCOUNT_HIJACKING",
    "KEYWORD_INAUTHENTIC_ACCOUNTS",
    "KEYWORD_INAUTHENTIC_LISTINGS",
    "KEYWORD_INAUTHENTIC_USER_REVIEWS",
    "KEYWORD_INCITEMENT_AGAINST_WOMEN",
    "KEYWORD_INCITEMENT_VIOLENCE_HATRED",
    "KEYWORD_INSUFFICIENT_INFORMATION_ON_TRADERS",
    "KEYWORD_LANGUAGE_REQUIREMENTS",
    "KEYWORD_MISINFORMATION_DISINFORMATION",
    "KEYWORD_MISLEADING_INFO_CONSUMER_RIGHTS",
    "KEYWORD_MISLEADING_INFO_GOODS_SERVICES",
    "KEYWORD_MISSING_PROCESSING_GROUND",
    "KEYWORD_NON_CONSENSUAL_IMAGE_SHARING",
    "KEYWORD_NON_CONSENSUAL_IMAGE_SHARING_AGAINST_WOMEN",
    "KEYWORD_NON_CONSENSUAL_MATERIAL_DEEPFAKE",
    "KEYWORD_NON_CONSENSUAL_MATERIAL_DEEPFAKE_AGAINST_WOMEN",
    "KEYWORD_NONCOMPLIANCE_PRICING",
    "KEYWORD_NUDITY",
    "KEYWORD_OTHER",
    "KEYWORD_PATENT_INFRINGEMENT",
    "KEYWORD_PHISHING",
    "KEYWORD_PROHIBITED_PRODUCTS",
    "KEYWORD_PYRAMID_SCHEMES",
    "KEYWORD_RIGHT_TO_BE_FORGOTTEN",
    "KEYWORD_RISK_ENVIRONMENTAL_DAMAGE",
    "KEYWORD_RISK_PUBLIC_HEALTH",
    "KEYWORD_SELF_MUTILATION",
    "KEYWORD_STALKING",
    "KEYWORD_SUICIDE",
    "KEYWORD_TERRORIST_CONTENT",
    "KEYWORD_TRADE_SECRET_INFRINGEMENT",
    "KEYWORD_TRADEMARK_INFRINGEMENT",
    "KEYWORD_TRAFFICKING_WOMEN_GIRLS",
    "KEYWORD_UNLAWFUL_SALE_ANIMALS",
    "KEYWORD_UNSAFE_CHALLENGES",
    "KEYWORD_UNSAFE_PRODUCTS",
    "KEYWORD_VIOLATION_EU_LAW",
    "KEYWORD_VIOLATION_NATIONAL_LAW",
)

SOURCE_ARTICLE_16 = "SOURCE_ARTICLE_16"
SOURCE_TRUSTED_FLAGGER = "SOURCE_TRUSTED_FLAGGER"
SOURCE_VOLUNTARY = "SOURCE_VOLUNTARY"
SOURCE_TYPES = (
    SOURCE_ARTICLE_16,
    SOURCE_TRUSTED_FLAGGER,
    "SOURCE_TYPE_OTHER_NOTIFICATION",
    SOURCE_VOLUNTARY,
)

# automated_detection and incompatible_content_illegal take the words, not constant names.
YES_NO = ("Yes", "No")
AUTOMATED_DECISIONS = (
    "AUTOMATED_DECISION_FULLY",
    "AUTOMATED_DECISION_PARTIALLY",
    "AUTOMATED_DECISION_NOT_AUTOMATED",
)

# territorial_scope: EU and EEA member states (ISO 3166-1 alpha-2; Greece is GR).
EUROPEAN_UNION_COUNTRY_CODES = (
    "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU",
    "IE", "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK",
)  # fmt: skip
EUROPEAN_ECONOMIC_AREA_COUNTRY_CODES = tuple(
    sorted((*EUROPEAN_UNION_COUNTRY_CODES, "IS", "LI", "NO"))
)
EUROPEAN_COUNTRY_CODES = EUROPEAN_ECONOMIC_AREA_COUNTRY_CODES

# content_id: key-value; only EAN-13 product numbers are accepted so far.
CONTENT_ID_KEYS = {"EAN-13": re.compile(r"^[0-9]{13}$")}

# --- Fields --------------------------------------------------------------------------------

TEXT = "text"  # a string, at most max_length characters
ENUM = "enum"  # one of values
ENUM_ARRAY = "enum_array"  # a non-empty list of distinct values
DATE = "date"  # "YYYY-MM-DD", between min_date and max_date (inclusive)
URL = "url"  # an http(s) URL, at most max_length characters
MAPPING = "mapping"  # content_id: {"EAN-13": "0123456789123"}

DATE_FORMAT = "YYYY-MM-DD"
DATE_PATTERN = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# Letters, digits, hyphen and underscore only: no spaces, new lines or other characters.
PUID_PATTERN = re.compile(r"^[A-Za-z0-9_-]+$")
PUID_MAX_LENGTH = 500
# The multiple endpoint takes at most this many statements per call.
BATCH_MAX = 100


@dataclass(frozen=True)
class Field:
    kind: str
    required: bool = False
    max_length: int | None = None
    values: tuple[str, ...] = ()
    min_date: str | None = None
    max_date: str | None = None
    pattern: re.Pattern | None = None


LAST_DATE = "2038-01-01"

FIELDS: dict[str, Field] = {
    # What was restricted: at least one of the four (see AT_LEAST_ONE_DECISION).
    "decision_visibility": Field(ENUM_ARRAY, values=DECISION_VISIBILITIES),
    "decision_visibility_other": Field(TEXT, max_length=500),
    "decision_monetary": Field(ENUM, values=DECISION_MONETARIES),
    "decision_monetary_other": Field(TEXT, max_length=500),
    "decision_provision": Field(ENUM, values=DECISION_PROVISIONS),
    "decision_account": Field(ENUM, values=DECISION_ACCOUNTS),
    "account_type": Field(ENUM, values=ACCOUNT_TYPES),
    "end_date_visibility_restriction": Field(DATE, max_date=LAST_DATE),
    "end_date_monetary_restriction": Field(DATE, max_date=LAST_DATE),
    "end_date_service_restriction": Field(DATE, max_date=LAST_DATE),
    "end_date_account_restriction": Field(DATE, max_date=LAST_DATE),
    # Why.
    "decision_ground": Field(ENUM, required=True, values=DECISION_GROUNDS),
    "decision_ground_reference_url": Field(URL, max_length=500),
    "illegal_content_legal_ground": Field(TEXT, max_length=500),
    "illegal_content_explanation": Field(TEXT, max_length=2000),
    "incompatible_content_ground": Field(TEXT, max_length=500),
    "incompatible_content_explanation": Field(TEXT, max_length=2000),
    "incompatible_content_illegal": Field(ENUM, values=YES_NO),
    "category": Field(ENUM, required=True, values=STATEMENT_CATEGORIES),
    "category_addition": Field(ENUM_ARRAY, values=STATEMENT_CATEGORIES),
    "category_specification": Field(ENUM_ARRAY, values=KEYWORDS),
    "category_specification_other": Field(TEXT, max_length=500),
    "decision_facts": Field(TEXT, required=True, max_length=5000),
    # What content, where, when.
    "content_type": Field(ENUM_ARRAY, required=True, values=CONTENT_TYPES),
    "content_type_other": Field(TEXT, max_length=500),
    "content_id": Field(MAPPING),
    # The API checks the code against its ISO 639-1 list; here only its form is checked.
    "content_language": Field(TEXT, max_length=2, pattern=re.compile(r"^[A-Z]{2}$")),
    "territorial_scope": Field(ENUM_ARRAY, required=True, values=EUROPEAN_COUNTRY_CODES),
    "content_date": Field(DATE, required=True, min_date="2000-01-01", max_date=LAST_DATE),
    "application_date": Field(DATE, required=True, min_date="2020-01-01", max_date=LAST_DATE),
    # How it came to us and how it was decided.
    "source_type": Field(ENUM, required=True, values=SOURCE_TYPES),
    "source_identity": Field(TEXT, max_length=500),
    "automated_detection": Field(ENUM, required=True, values=YES_NO),
    "automated_decision": Field(ENUM, required=True, values=AUTOMATED_DECISIONS),
    "puid": Field(TEXT, required=True, max_length=PUID_MAX_LENGTH, pattern=PUID_PATTERN),
}

# --- Conditional rules ---------------------------------------------------------------------

# Required unless one of the others is given ("required_without_all").
AT_LEAST_ONE_DECISION = (
    "decision_visibility",
    "decision_monetary",
    "decision_provision",
    "decision_account",
)

# field -> (the field it depends on, the value that makes it required and allowed).
# The API requires these when the value is chosen and drops them otherwise.
REQUIRED_WHEN = {
    "decision_visibility_other": ("decision_visibility", "DECISION_VISIBILITY_OTHER"),
    "decision_monetary_other": ("decision_monetary", "DECISION_MONETARY_OTHER"),
    "content_type_other": ("content_type", "CONTENT_TYPE_OTHER"),
    "illegal_content_legal_ground": ("decision_ground", DECISION_GROUND_ILLEGAL_CONTENT),
    "illegal_content_explanation": ("decision_ground", DECISION_GROUND_ILLEGAL_CONTENT),
    "incompatible_content_ground": ("decision_ground", DECISION_GROUND_INCOMPATIBLE_CONTENT),
    "incompatible_content_explanation": ("decision_ground", DECISION_GROUND_INCOMPATIBLE_CONTENT),
}

# field -> (the field it depends on, the value without which it is not taken into account).
ONLY_WHEN = {
    "incompatible_content_illegal": ("decision_ground", DECISION_GROUND_INCOMPATIBLE_CONTENT),
    "category_specification_other": ("category_specification", "KEYWORD_OTHER"),
}

# The end of each restriction is on or after the day it applied.
END_DATES = (
    "end_date_visibility_restriction",
    "end_date_monetary_restriction",
    "end_date_service_restriction",
    "end_date_account_restriction",
)

# source_identity is ignored for the platform's own initiative.
SOURCE_IDENTITY_IGNORED_FOR = SOURCE_VOLUNTARY

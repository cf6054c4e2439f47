"""What the conversations leave behind: the anonymized referral log, handoffs to caseworkers,
the flags people raise about a service, and the erasure of everything linked to a person.

It knows no Rasa, web or channel: the actions record through it, and the console will read
it. The rules of what may be kept are in `casework.records`' docstring (DESIGN.md, "Data
protection").
"""

from casework.records import (
    CHANNELS,
    FLAG_KINDS,
    HANDOFF_STATUSES,
    MAX_SUMMARY_CHARS,
    Erasure,
    Handoff,
    ReferralRequest,
    ServiceFlag,
    close_handoff,
    erase_person,
    flag_service,
    log_referral,
    open_handoff,
    open_handoff_for,
    referral_row,
)
from casework.spool import log_referral_durably

__all__ = [
    "CHANNELS",
    "FLAG_KINDS",
    "HANDOFF_STATUSES",
    "MAX_SUMMARY_CHARS",
    "Erasure",
    "Handoff",
    "ReferralRequest",
    "ServiceFlag",
    "close_handoff",
    "erase_person",
    "flag_service",
    "log_referral",
    "log_referral_durably",
    "open_handoff",
    "open_handoff_for",
    "referral_row",
]

"""Why a review is reported, and why an admin folds one: stored as the message id, shown in the
reader's language."""
from __future__ import annotations

from webapp.i18n import N_

REASONS = {
    "ad": N_("广告或与商品无关"),
    "abuse": N_("辱骂、歧视或人身攻击"),
    "privacy": N_("泄露他人隐私"),
    "false": N_("与订单不符的不实内容"),
    "other": N_("其他"),
}

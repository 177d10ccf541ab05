"""The shop's accounts at the payment channels, part of its settings (issue 18): entered here,
used for buyers' online payments once an admin approved them (webapp/payments/shop_accounts.py)."""
from flask import flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from webapp.merchants import bp
from webapp.models import AccountStatus, Role
from webapp.payments import shop_accounts
from webapp.payments.accounts import clients
from webapp.payments.forms import ACCOUNT_FORMS
from webapp.payments.state import CHANNEL_LABELS
from webapp.shops.services import own_shop_or_403
from webapp.web import ServiceError, redirect_to, render, role_required, wants_fragment


def _form_for(channel: str, account):
    """The channel's form as the account stands (the token is never filled in)."""
    return ACCOUNT_FORMS[channel](formdata=None, data={
        "sub_mchid" if channel == "wechat" else "user_id": account.merchant_id if account else ""})


def _entered(channel: str, form) -> tuple[str, str]:
    if channel == "wechat":
        return form.sub_mchid.data, ""
    return form.user_id.data, form.app_auth_token.data or ""


def _saved_message(channel: str, was_approved: bool, saved) -> str:
    label = _(CHANNEL_LABELS[channel])
    if saved is None:
        return _("%(channel)s收款账户没有改动。", channel=label)
    if was_approved:
        return _("已提交修改。平台审核通过前，买家暂时不能用%(channel)s在线付款。", channel=label)
    return _("已提交%(channel)s收款账户，平台审核通过后买家即可在线付款。", channel=label)


def _page(shop, status: int = 200, forms=None, channel: str = "wechat", **ctx):
    accounts = shop_accounts.accounts_of(shop.id)
    forms = {name: (forms or {}).get(name) or _form_for(name, accounts.get(name))
             for name in ACCOUNT_FORMS}
    return render("merchants/payment_accounts.html", "merchants/_payment_account.html",
                  status=status, shop=shop, accounts=accounts, forms=forms, channel=channel,
                  channels=list(ACCOUNT_FORMS), configured=set(clients()),
                  tails={name: shop_accounts.token_tail(a) for name, a in accounts.items()},
                  labels=shop_accounts.STATUS_LABELS, **ctx)


@bp.route("/shop/payments", methods=["GET", "POST"])
@role_required(Role.MERCHANT)
def payment_accounts():
    """The shop's WeChat Pay and Alipay accounts: entered or changed here, each reviewed by an admin."""
    shop = own_shop_or_403(current_user)
    if request.method == "GET":
        return _page(shop)
    channel = request.form.get("channel", "")
    if channel not in ACCOUNT_FORMS:
        raise ServiceError(_("请选择收款渠道：微信支付或支付宝。"), 400)
    form = ACCOUNT_FORMS[channel]()
    before = shop_accounts.accounts_of(shop.id).get(channel)
    if not form.validate_on_submit():
        return _page(shop, 422, {channel: form}, channel)
    merchant_id, token = _entered(channel, form)
    if shop_accounts.token_needed(before, channel, merchant_id) and not token:
        form.app_auth_token.errors.append(
            _("请填写应用授权令牌：新的支付宝账号需要它授权平台代为收款。"))
        return _page(shop, 422, {channel: form}, channel)
    was_approved = before is not None and before.status is AccountStatus.APPROVED
    try:
        saved = shop_accounts.save(shop, current_user, channel, merchant_id, token)
    except ServiceError as error:
        form.form_errors.append(error.message)
        return _page(shop, error.status, {channel: form}, channel)
    message = _saved_message(channel, was_approved, saved)
    if not wants_fragment():
        flash(message, "success")
        return redirect_to(url_for("merchants.payment_accounts"))
    return _page(shop, channel=channel, notice=message)

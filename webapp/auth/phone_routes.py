"""Signing up, in and resetting the password with a mobile number and an SMS code. Each page's
form asks for its code with a second submit button (action=send), so it works without
JavaScript; sending is limited per number and per address, shared over the three forms."""
from __future__ import annotations

from flask import current_app, flash, request
from flask_babel import gettext as _
from flask_login import current_user

from webapp.auth import bp, phone
from webapp.auth.codes import CodeRefused, send
from webapp.auth.consent import privacy_url
from webapp.auth.mobile import normalise_mobile
from webapp.auth.phone_forms import CodeLoginForm, PhoneRegisterForm, ResetPasswordForm
from webapp.auth.routes import (
    CODE_ADDRESS_LIMIT_MESSAGE,
    NUMBER_LIMIT_MESSAGE,
    home_for,
    start_session,
)
from webapp.extensions import limiter
from webapp.roles import Role
from webapp.sms import CodePurpose
from webapp.sms.providers import LogProvider
from webapp.sms.settings import lookup
from webapp.web import ServiceError, redirect_to, render, safe_next


def number_limit() -> str:
    return lookup(current_app.config, "SMS_NUMBER_LIMIT", "1 per minute;10 per day")


def address_limit() -> str:
    return lookup(current_app.config, "SMS_ADDRESS_LIMIT", "5 per minute;30 per day")


def _number() -> str:
    return "sms:" + (normalise_mobile(request.form.get("mobile", "")) or "")


def _not_sending() -> bool:
    return request.form.get("action") != "send"


def _no_number() -> bool:
    return _not_sending() or normalise_mobile(request.form.get("mobile", "")) is None


def limited(view):
    """Sending a code: per address, and per number from any address (the three forms share both)."""
    view = limiter.shared_limit(number_limit, scope="sms-number", key_func=_number,
                                exempt_when=_no_number, error_message=NUMBER_LIMIT_MESSAGE)(view)
    return limiter.shared_limit(address_limit, scope="sms-address", exempt_when=_not_sending,
                                error_message=CODE_ADDRESS_LIMIT_MESSAGE)(view)


def _send(form, purpose: CodePurpose) -> str | None:
    """Text a code to the form's number if it may have one; what to tell the person."""
    if not form.mobile.validate(form):
        return None
    refusal = phone.refusal_to_send(form.mobile.e164, purpose)
    if refusal:
        form.mobile.errors.append(refusal)
        return None
    try:
        send(form.mobile.e164, purpose)
    except CodeRefused as error:
        form.mobile.errors.append(error.message)
        return None
    digits = form.mobile.e164.removeprefix("+86")
    return _("验证码已发送至 %(mobile)s，5 分钟内有效。", mobile=f"{digits[:3]}****{digits[-4:]}")


def _flow(form, purpose: CodePurpose, page: str, finish):
    """GET: the form. POST action=send: text a code. POST otherwise: finish with the code."""
    sent = None
    if request.method == "POST" and not _not_sending():
        sent = _send(form, purpose)
    elif form.validate_on_submit():
        try:
            return finish(form)
        except ServiceError as error:
            form.code.errors.append(error.message)
    status = 422 if form.errors and request.method == "POST" else 200
    dev = isinstance(current_app.extensions.get("sms"), LogProvider)
    return render(f"auth/{page}.html", f"auth/_{page}_form.html", status=status, form=form,
                  sent=sent, dev_sms=dev, privacy_url=privacy_url())


@bp.route("/phone/login", methods=["GET", "POST"])
@limited
def code_login():
    """Sign in with a mobile number and an SMS code."""
    if current_user.is_authenticated:
        return redirect_to(home_for(current_user))

    def finish(form):
        user = phone.sign_in(form.mobile.e164, form.code.data.strip())
        start_session(user, remember=form.remember.data)
        return redirect_to(safe_next(request.args.get("next")) or home_for(user))
    return _flow(CodeLoginForm(), CodePurpose.LOGIN, "code_login", finish)


@bp.route("/phone/register", methods=["GET", "POST"])
@limited
def phone_register():
    """Create a buyer or merchant account with a mobile number and an SMS code."""
    def finish(form):
        user = phone.register(form.mobile.e164, form.code.data.strip(), role=Role(form.role.data),
                              display_name=form.display_name.data, password=form.password.data or "")
        start_session(user)
        flash(_("注册成功，欢迎！") if user.role is Role.BUYER
              else _("注册成功。请提交实名认证资料，审核通过后即可开店。"), "success")
        return redirect_to(home_for(user))
    return _flow(PhoneRegisterForm(), CodePurpose.REGISTER, "phone_register", finish)


@bp.route("/password/reset", methods=["GET", "POST"])
@limited
def reset_password():
    """Set a new password with an SMS code; every other session of the account ends."""
    def finish(form):
        user = phone.reset_password(form.mobile.e164, form.code.data.strip(), form.password.data)
        start_session(user)
        flash(_("密码已重置，其他设备上的登录已退出。"), "success")
        return redirect_to(home_for(user))
    return _flow(ResetPasswordForm(), CodePurpose.RESET, "reset_password", finish)

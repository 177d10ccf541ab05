from flask import current_app, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, logout_user

from webapp.auth.codes import CodeRefused, send
from webapp.auth.phone_routes import limited
from webapp.auth.routes import start_session
from webapp.extensions import limiter
from webapp.i18n import LOCALES
from webapp.me import bp, contact, deletion, services
from webapp.me.forms import ChangeEmailForm, ChangeMobileForm, DeleteForm, PasswordForm, ProfileForm
from webapp.models import Role
from webapp.sms import CodePurpose
from webapp.sms.providers import LogProvider
from webapp.web import ServiceError, redirect_to, render, role_required

EVERY_ROLE = (Role.BUYER, Role.MERCHANT, Role.COURIER, Role.ADMIN)


def _page(profile=None, status: int = 200):
    """我的: the profile form, and the links to everything else of the account."""
    form = profile or ProfileForm(data={"display_name": current_user.display_name})
    return render("me/index.html", "me/_profile_form.html", status=status, form=form,
                  locales=LOCALES)


@bp.get("/me")
@role_required(*EVERY_ROLE)
def index():
    """The person's own page (the buyer's fifth tab)."""
    return _page()


@bp.post("/me/profile")
@role_required(*EVERY_ROLE)
def profile():
    """Change the display name (email and mobile are shown, not changed here)."""
    form = ProfileForm()
    if form.validate_on_submit():
        services.rename(current_user._get_current_object(), form.display_name.data)
        flash(_("资料已保存"), "success")
        return redirect_to(url_for("me.index"))
    return _page(form, 422)


@bp.route("/me/password", methods=["GET", "POST"])
@role_required(*EVERY_ROLE)
@limiter.limit("10 per minute", methods=["POST"])
def password():
    """Change the password with the current one; every other session of the account ends."""
    form = PasswordForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        if not deletion.password_matches(user, form.current.data):
            form.current.errors.append(_("当前密码不正确"))
        else:
            services.change_password(user, form.password.data)
            start_session(user)  # this session goes on, with the new generation
            flash(_("密码已修改，其他设备上的登录已退出。"), "success")
            return redirect_to(url_for("me.index"))
    return render("me/password.html", "me/_password_form.html",
                  status=422 if form.errors else 200, form=form)


def _send_mobile_code(form, user) -> str | None:
    """Text a code to the new number unless another account holds it; what to tell the person."""
    if not form.mobile.validate(form):
        return None
    refusal = contact.mobile_refusal(user, form.mobile.e164)
    if refusal:
        form.mobile.errors.append(refusal)
        return None
    try:
        send(form.mobile.e164, CodePurpose.MOBILE)
    except CodeRefused as error:
        form.mobile.errors.append(error.message)
        return None
    return _("验证码已发送至 %(mobile)s，5 分钟内有效。", mobile=contact.masked(form.mobile.e164))


def _change_mobile(form, user) -> bool:
    """Finish with the code (and the password where the account has one); False: refused."""
    if user.password_hash and not deletion.password_matches(user, form.password.data):
        form.password.errors.append(_("当前密码不正确") if form.password.data else _("请输入当前密码"))
        return False
    try:
        contact.change_mobile(user, form.mobile.e164, form.code.data.strip())
    except contact.Taken as error:
        form.mobile.errors.append(error.message)
        return False
    except ServiceError as error:
        form.code.errors.append(error.message)
        return False
    return True


@bp.route("/me/mobile", methods=["GET", "POST"])
@role_required(*EVERY_ROLE)
@limited
def mobile():
    """Change (or add) the account's mobile number, confirmed by a code texted to the new one;
    every other session ends."""
    user = current_user._get_current_object()
    form = ChangeMobileForm()
    sent = None
    if request.method == "POST" and request.form.get("action") == "send":
        sent = _send_mobile_code(form, user)
    elif form.validate_on_submit() and _change_mobile(form, user):
        start_session(user)  # this session goes on, with the new generation
        flash(_("手机号已更换，其他设备上的登录已退出。"), "success")
        return redirect_to(url_for("me.index"))
    taken = any(e in (_(contact.TAKEN_MOBILE), _(contact.SAME_MOBILE)) for e in form.mobile.errors)
    status = 409 if taken else 422 if form.errors and request.method == "POST" else 200
    return render("me/mobile.html", "me/_mobile_form.html", status=status, form=form, sent=sent,
                  dev_sms=isinstance(current_app.extensions.get("sms"), LogProvider))


@bp.route("/me/email", methods=["GET", "POST"])
@role_required(*EVERY_ROLE)
@limiter.limit("10 per minute", methods=["POST"])
def email():
    """Change (or add) the account's email with the current password; every other session ends."""
    user = current_user._get_current_object()
    form = ChangeEmailForm()
    status = 200
    if form.validate_on_submit():
        if not deletion.password_matches(user, form.password.data):
            form.password.errors.append(_("当前密码不正确"))
        else:
            try:
                contact.change_email(user, form.email.data)
            except contact.Taken as error:
                form.email.errors.append(error.message)
                status = 409
            else:
                start_session(user)
                flash(_("邮箱已保存，其他设备上的登录已退出。"), "success")
                return redirect_to(url_for("me.index"))
    if status == 200 and form.errors:
        status = 422
    return render("me/email.html", "me/_email_form.html", status=status, form=form)


@bp.route("/me/delete", methods=["GET", "POST"])
@role_required(*EVERY_ROLE)
@limiter.limit("10 per minute", methods=["POST"])
def delete():
    """Delete the account: refused (409, saying what is open) while something is under way;
    otherwise the password and a typed 注销 confirm it."""
    user = current_user._get_current_object()
    form = DeleteForm()
    blocking = deletion.open_business(user)
    if form.validate_on_submit() and not blocking:
        if not deletion.password_matches(user, form.password.data):
            form.password.errors.append(_("当前密码不正确"))
        elif not deletion.confirmed(form.confirmation.data):
            form.confirmation.errors.append(_("请输入“注销”确认"))
        else:
            deletion.delete_account(user)
            logout_user()
            flash(_("账号已注销，你的个人信息已删除。"), "success")
            return redirect_to(url_for("shops.index", logged_out=1))
    status = 409 if blocking and form.is_submitted() else 422 if form.errors else 200
    return render("me/delete.html", "me/_delete_form.html", status=status, form=form,
                  blocking=blocking)


@bp.get("/privacy")
def privacy():
    """The privacy policy, for everyone (linked from registration and from 我的)."""
    return render("me/privacy.html")

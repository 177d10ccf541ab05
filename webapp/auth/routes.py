from flask import current_app, flash, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from webapp.auth import bp, services
from webapp.auth.consent import privacy_url
from webapp.auth.forms import LoginForm, RegisterForm
from webapp.auth.sessions import forget_stale_login
from webapp.errors import error_response
from webapp.extensions import limiter
from webapp.i18n import N_
from webapp.roles import Role
from webapp.web import redirect_to, render, safe_next

ACCOUNT_LIMIT_MESSAGE = N_("这个账号的登录尝试太多了，请稍后再试。")
ADDRESS_LIMIT_MESSAGE = N_("登录尝试太频繁了，请稍后再试。")
# Asking for SMS codes (phone_routes.py), per number and per address.
NUMBER_LIMIT_MESSAGE = N_("这个手机号获取验证码太频繁了，请稍后再试。")
CODE_ADDRESS_LIMIT_MESSAGE = N_("获取验证码太频繁了，请稍后再试。")


@bp.record_once
def _prepare(state) -> None:
    """Pay for the dummy hash and the password lists when the app is built, not in a login."""
    services.prepare(state.app.config["PASSWORD_HASH_METHOD"])
    state.app.after_request(forget_stale_login)


def home_for(user) -> str:
    """Where each role starts after logging in."""
    return {
        Role.ADMIN: url_for("admin.applications"),
        Role.MERCHANT: url_for("merchants.dashboard"),
        Role.COURIER: url_for("delivery.index"),
    }.get(user.role, url_for("shops.index"))


def start_session(user, remember: bool = False) -> None:
    """Log `user` in on a new session: nothing set before login (by anyone who could have
    planted a cookie) carries over, and the CSRF token is a new one. Without `remember` the
    login ends with the browser session; with it a remember cookie keeps it for
    REMEMBER_COOKIE_DURATION."""
    session.clear()
    login_user(user, remember=remember)


def login_limit() -> str:
    return current_app.config["LOGIN_LIMIT"]


def login_account_limit() -> str:
    return current_app.config["LOGIN_ACCOUNT_LIMIT"]


def _account() -> str:
    """The account a login post tries, as the login finds it: per account, from any address."""
    return "login:" + services.normalise_login(request.form.get("login", ""))[:254]


def _no_account() -> bool:
    return not services.normalise_login(request.form.get("login", ""))


def _failed(response) -> bool:
    return response.status_code >= 400


@bp.errorhandler(429)
def too_many(error):
    """Say which login limit was hit, on the form's flash area for htmx."""
    known = (ACCOUNT_LIMIT_MESSAGE, ADDRESS_LIMIT_MESSAGE, NUMBER_LIMIT_MESSAGE,
             CODE_ADDRESS_LIMIT_MESSAGE)
    return error_response(error.description if error.description in known
                          else N_("操作太频繁，请稍后再试。"), 429)


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(login_limit, methods=["POST"], error_message=ADDRESS_LIMIT_MESSAGE)
@limiter.limit(login_account_limit, methods=["POST"], key_func=_account, exempt_when=_no_account,
               deduct_when=_failed, error_message=ACCOUNT_LIMIT_MESSAGE)
def login():
    """Log in with email or mobile and password."""
    if current_user.is_authenticated:
        return redirect_to(home_for(current_user))
    form = LoginForm()
    if form.validate_on_submit():
        user = services.authenticate(form.login.data, form.password.data)
        if user is not None:
            start_session(user, remember=form.remember.data)
            return redirect_to(safe_next(request.args.get("next")) or home_for(user))
        form.password.errors.append(_("账号或密码不正确"))
    status = 422 if form.errors else 200
    return render("auth/login.html", "auth/_login_form.html", status=status, form=form)


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit("5 per minute", methods=["POST"])
def register():
    """Create a buyer or merchant account."""
    form = RegisterForm()
    if form.validate_on_submit():
        if services.email_taken(form.email.data):
            form.email.errors.append(_("该邮箱已注册，请直接登录"))
        else:
            user = services.register(form.email.data, form.password.data,
                                     form.display_name.data, Role(form.role.data),
                                     consented=form.consent.data)
            # A new account starts a browser session only: "keep me signed in" is asked at login.
            start_session(user)
            flash(_("注册成功，欢迎！") if user.role is Role.BUYER
                  else _("注册成功。请提交实名认证资料，审核通过后即可开店。"), "success")
            return redirect_to(home_for(user))
    status = 422 if form.errors else 200
    return render("auth/register.html", "auth/_register_form.html", status=status, form=form,
                  privacy_url=privacy_url())


@bp.post("/logout")
@login_required
def logout():
    """Log out everywhere (every copy of this account's session and remember cookies) and send
    the service worker a signal to clear its caches."""
    services.log_out_everywhere(current_user._get_current_object())
    logout_user()
    return redirect_to(url_for("shops.index", logged_out=1))

from flask import flash, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from webapp.auth import bp, services
from webapp.auth.forms import LoginForm, RegisterForm
from webapp.extensions import limiter
from webapp.roles import Role
from webapp.web import redirect_to, render, safe_next


def home_for(user) -> str:
    """Where each role starts after logging in."""
    return {
        Role.ADMIN: url_for("admin.applications"),
        Role.MERCHANT: url_for("merchants.dashboard"),
        Role.COURIER: url_for("delivery.index"),
    }.get(user.role, url_for("shops.index"))


def start_session(user) -> None:
    """Log `user` in on a new session: nothing set before login (by anyone who could have
    planted a cookie) carries over, and the CSRF token is a new one."""
    session.clear()
    login_user(user, remember=True)


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("10 per minute", methods=["POST"])
def login():
    """Log in with email or mobile and password."""
    if current_user.is_authenticated:
        return redirect_to(home_for(current_user))
    form = LoginForm()
    if form.validate_on_submit():
        user = services.authenticate(form.login.data, form.password.data)
        if user is not None:
            start_session(user)
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
                                     form.display_name.data, Role(form.role.data))
            start_session(user)
            flash(_("注册成功，欢迎！") if user.role is Role.BUYER
                  else _("注册成功。请提交实名认证资料，审核通过后即可开店。"), "success")
            return redirect_to(home_for(user))
    status = 422 if form.errors else 200
    return render("auth/register.html", "auth/_register_form.html", status=status, form=form)


@bp.post("/logout")
@login_required
def logout():
    """Log out and send the service worker a signal to clear its caches."""
    logout_user()
    return redirect_to(url_for("shops.index", logged_out=1))

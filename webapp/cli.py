"""Flask commands: create-admin, seed-demo, demo-logins, db-empty and the scheduled jobs
(purge-tracks, purge-drafts, expire-orders; `payments reconcile` and `payments refunds` live in
webapp/payments/commands.py)."""
from __future__ import annotations

import io
import random
from datetime import date, timedelta

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from PIL import Image, ImageDraw
from sqlalchemy import select
from stdnum.cn import ric, uscc

from webapp.addresses.services import save as save_address
from webapp.admin.services import approve
from webapp.auth.passwords import is_common
from webapp.auth.services import create_admin, find_by_login
from webapp.auth.services import register as register_user
from webapp.catalog.services import create_product
from webapp.delivery.services import purge_track_points
from webapp.extensions import db
from webapp.licences import services as licences
from webapp.licences.state import LicenceEvent
from webapp.merchants.services import (
    create_courier,
    latest_application,
    purge_drafts,
    submit_application,
)
from webapp.models import Role, Shop, User
from webapp.orders.expiry import expire_overdue
from webapp.payments import shop_accounts
from webapp.payments.commands import payments_group
from webapp.payments.devgateway.demo import ALIPAY_SHOP, WECHAT_SHOP
from webapp.payments.state import AccountEvent
from webapp.shops.services import shop_of
from webapp.uploads import clean_image

DEMO_LOGINS = [
    ("管理员", "admin@example.com", "demo-admin-2026"),
    ("商家", "merchant@example.com", "demo-merchant-2026"),
    ("骑手", "13800000001", "demo-courier-2026"),
    ("买家", "buyer@example.com", "demo-buyer-2026"),
]

# (title, price in fen, stock, colour of the drawn placeholder photo)
DEMO_PRODUCTS = [
    ("赣南脐橙 5 斤装", 3990, 40, (245, 150, 30)), ("烟台红富士苹果 3 斤", 2590, 35, (210, 40, 50)),
    ("海南香蕉 2 斤", 1290, 4, (240, 210, 60)), ("阳光玫瑰葡萄 1 串", 3500, 20, (120, 180, 60)),
    ("丹东草莓 500g", 4580, 15, (220, 30, 60)), ("新疆哈密瓜 1 个", 2800, 18, (230, 200, 90)),
    ("云南蓝莓 125g×4", 3980, 25, (60, 70, 160)), ("广西百香果 2 斤", 1990, 30, (120, 60, 120)),
    ("四川爱媛果冻橙 3 斤", 3290, 22, (250, 170, 40)), ("山东大樱桃 1 斤", 5990, 12, (170, 20, 40)),
    ("库尔勒香梨 3 斤", 2390, 28, (210, 220, 120)), ("泰国金枕榴莲 1 个", 16800, 6, (200, 180, 60)),
]


def demo_fruit(colour: tuple[int, int, int]) -> bytes:
    """A drawn placeholder product photo: a few round fruits of one colour."""
    image = Image.new("RGB", (600, 600), (250, 248, 240))
    draw = ImageDraw.Draw(image)
    rng = random.Random(sum(colour))
    for _ in range(7):
        x, y, r = rng.randint(100, 500), rng.randint(130, 500), rng.randint(60, 115)
        draw.ellipse((x - r, y - r, x + r, y + r), fill=colour, outline=(60, 60, 60), width=3)
        draw.ellipse((x - r // 3, y - r // 2, x, y - r // 4), fill=(255, 255, 255))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=85)
    return out.getvalue()


def demo_id_number() -> str:
    body = "11010519900307002"
    return body + ric.calc_check_digit(body)


def demo_uscc() -> str:
    body = "91110105MA01ABCD2"
    return body + uscc.calc_check_digit(body)


def demo_document(title: str, colour: tuple[int, int, int]) -> bytes:
    """A plain placeholder photo for the demo merchant's documents (no real person's data)."""
    image = Image.new("RGB", (640, 400), (245, 245, 240))
    draw = ImageDraw.Draw(image)
    draw.rectangle((16, 16, 624, 384), outline=colour, width=6)
    draw.rectangle((40, 60, 220, 300), fill=(220, 220, 215))
    for i, width in enumerate((340, 300, 360, 260, 320)):
        draw.rectangle((250, 70 + i * 48, 250 + width, 90 + i * 48), fill=colour)
    draw.text((40, 320), f"DEMO {title}", fill=colour)
    out = io.BytesIO()
    image.save(out, format="JPEG")
    return out.getvalue()


def seed_demo() -> bool:
    """Create the demo accounts, shop and products; return False if they already exist (then
    only give the demo shop its payment accounts if it has none, as a database from before
    them lacks)."""
    if (merchant := find_by_login(DEMO_LOGINS[1][1])) is not None:
        admin, shop = find_by_login(DEMO_LOGINS[0][1]), shop_of(merchant)
        if admin is not None and shop is not None:
            _demo_payment_accounts(shop, merchant, admin)
            _demo_licence(shop, merchant, admin)
        return False
    admin = create_admin(DEMO_LOGINS[0][1], DEMO_LOGINS[0][2])
    merchant = register_user(DEMO_LOGINS[1][1], DEMO_LOGINS[1][2], "鲜果小铺 王店长", Role.MERCHANT)
    documents = {kind: clean_image(demo_document(kind, colour)) for kind, colour in (
        ("id_front", (15, 118, 110)), ("id_back", (29, 78, 216)),
        ("licence_photo", (185, 28, 28)))}
    application = latest_application(merchant) or submit_application(
        merchant, legal_name="王小明", id_number=demo_id_number(), uscc=demo_uscc(),
        mobile="13900000000", shop_name="Fresh Fruit 鲜果小铺", handle_wish="fresh-fruit",
        province_code="11", city_code="1101", district_code="110105", street="建国路 88 号",
        shop_address="北京市 市辖区 朝阳区 建国路 88 号", documents=documents)
    approve(application.id, admin)
    _stock_demo_shop(shop_of(merchant))
    _demo_payment_accounts(shop_of(merchant), merchant, admin)
    _demo_licence(shop_of(merchant), merchant, admin)
    buyer = register_user(DEMO_LOGINS[3][1], DEMO_LOGINS[3][2], "张买家", Role.BUYER)
    # A default address with a map pin, so the demo buyer can check out straight away.
    save_address(buyer, None, contact_name="张买家", mobile="13900000002", province_code="11",
                 city_code="1101", district_code="110105", detail="建国路 100 号 2 单元 301",
                 lat=39.9087, lng=116.4605, is_default=True)
    return True


def _stock_demo_shop(shop: Shop) -> None:
    """The demo shop's description, products (with drawn photos) and courier."""
    shop.description = "每日清晨产地直采，同城两小时送达。"
    # Issue 21: open 07:00–22:00 every day (ASAP and pickup only then), a little way from the
    # demo buyer's pin, 15 minutes to pack an order, 20 more when busy.
    shop.weekly_hours = "|".join(["07:00-22:00"] * 7)
    shop.lat, shop.lng = 39.9127, 116.4560
    shop.prep_minutes, shop.busy_extra_minutes = 15, 20
    db.session.commit()
    for title, price, stock, colour in DEMO_PRODUCTS:
        create_product(shop, title=title, description="", price_fen=price, stock=stock,
                       published=True, category="produce", photo=clean_image(demo_fruit(colour)))
    create_courier(shop, display_name="李骑手", mobile=DEMO_LOGINS[2][1],
                   password=DEMO_LOGINS[2][2])


def _demo_licence(shop: Shop, merchant: User, admin: User) -> None:
    """The demo shop holds a food business licence (its fruit needs none, but juice or a fruit
    platter would): uploaded by its merchant and approved by the admin through the services, as
    a real shop's would be; valid two years from the day the demo data is made."""
    if licences.licences_of(shop.id):
        return
    licence = licences.submit(shop, merchant, kind="food", number="JY11105000000001",
                              expires_on=date.today() + timedelta(days=730),
                              photo=clean_image(demo_document("licence", (120, 53, 15))))
    licences.decide(licence.id, admin, LicenceEvent.APPROVED, {})


def _demo_payment_accounts(shop: Shop, merchant: User, admin: User) -> None:
    """The demo shop takes WeChat Pay and Alipay online through the development gateways' demo
    merchants (webapp/payments/devgateway/demo.py): entered by its merchant, approved by the
    admin, as a real shop's would be."""
    if shop_accounts.accounts_of(shop.id):
        return
    for channel, account in (("wechat", WECHAT_SHOP), ("alipay", ALIPAY_SHOP)):
        saved = shop_accounts.save(shop, merchant, channel, account.merchant_id, account.auth_token)
        shop_accounts.decide(saved.id, admin, saved.revision, AccountEvent.APPROVED,
                             "演示数据：开发网关的演示商户")


def register(app: Flask) -> None:
    """Add the commands to `flask`."""
    for command in (create_admin_command, seed_demo_command, purge_tracks_command,
                    purge_drafts_command, expire_orders_command, demo_logins_command, db_empty_command,
                    payments_group):
        app.cli.add_command(command)


@click.command("create-admin")
@click.option("--email", prompt="Admin email")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--name", default="平台管理员", show_default=True)
@with_appcontext
def create_admin_command(email: str, password: str, name: str) -> None:
    """Create a platform admin (or reset an existing admin's password)."""
    if len(password) < 8:
        raise click.BadParameter("at least 8 characters", param_hint="--password")
    if is_common(password):
        raise click.BadParameter("a common password, easy to guess: choose another",
                                 param_hint="--password")
    try:
        user = create_admin(email, password, name)
    except ValueError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"admin ready: {user.email}")


@click.command("seed-demo")
@with_appcontext
def seed_demo_command() -> None:
    """Load the demo shop, products and accounts (does nothing if they exist)."""
    created = seed_demo()
    click.echo("demo data loaded" if created else "demo data already present")
    print_logins()


@click.command("purge-tracks")
@click.option("--older-than", "--days", "days", type=click.IntRange(min=0), default=None,
              metavar="DAYS", help="Retention in days (default: TRACK_RETENTION_DAYS).")
@with_appcontext
def purge_tracks_command(days: int | None) -> None:
    """Delete courier track points older than DAYS of deliveries no longer under way."""
    days = current_app.config["TRACK_RETENTION_DAYS"] if days is None else days
    click.echo(f"deleted {purge_track_points(days)} track points older than {days} days")


@click.command("purge-drafts")
@click.option("--older-than", "--days", "days", type=click.IntRange(min=0), default=None,
              metavar="DAYS", help="Retention in days (default: DRAFT_RETENTION_DAYS).")
@with_appcontext
def purge_drafts_command(days: int | None) -> None:
    """Delete real-name application drafts untouched for DAYS, with their ID photos."""
    days = current_app.config["DRAFT_RETENTION_DAYS"] if days is None else days
    click.echo(f"deleted {purge_drafts(days)} application drafts untouched for {days} days")


@click.command("expire-orders")
@with_appcontext
def expire_orders_command() -> None:
    """Cancel orders not accepted in time (ORDER_ACCEPT_MINUTES) and release their stock."""
    click.echo(f"expired {expire_overdue()} orders")


@click.command("demo-logins")
@with_appcontext
def demo_logins_command() -> None:
    """Print the demo logins if the demo accounts exist."""
    if find_by_login("merchant@example.com") is not None:
        print_logins()


@click.command("db-empty")
@with_appcontext
def db_empty_command() -> None:
    """Exit 0 if the database has no users (used by make run to decide on seeding)."""
    has_users = db.session.scalar(select(User.id).limit(1)) is not None
    raise SystemExit(1 if has_users else 0)


def print_logins() -> None:
    click.echo("\nDemo logins (email or mobile / password):")
    for role, login, password in DEMO_LOGINS:
        click.echo(f"  {role:<4} {login:<24} {password}")
    click.echo("  demo shop: /s/fresh-fruit\n")

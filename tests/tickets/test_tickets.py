"""Order tickets: the ESC/POS bytes a printer on 127.0.0.1 receives, read back to the order's
Chinese text; printing by itself on accept, through the real route; a printer that refuses or
never answers leaves the accept done and says so; the ticket page for 58 and 80 mm in both
languages, for the order's shop only; the printer settings, their checks and the test print."""
from __future__ import annotations

import time

import pytest
from sqlalchemy import select, update

from tests.support.helpers import HX, url
from tests.support.printer import Printer, SilentPrinter, closed_port, text_of
from webapp.extensions import db
from webapp.models import Order, Status
from webapp.models.ticket import ShopPrinter, TicketPrint


@pytest.fixture
def printer():
    p = Printer()
    yield p
    p.stop()


@pytest.fixture
def shop_world(app, world, make_product, place):
    world.shop.name = "老王鲜果铺"
    world.fruit = make_product(world.shop, title="赣南脐橙 5斤装", price_fen=1280, stock=9)
    db.session.commit()
    world.order = place(world.buyer, world.fruit, 2)
    # What a buyer typed, with an ESC/POS command in it (ESC p: kick the cash drawer).
    db.session.execute(update(Order).where(Order.id == world.order.id)
                       .values(note="少放冰\x1bp\x01\x19 谢谢"))
    db.session.commit()
    return world


def set_printer(shop, port, paper_mm=58, auto_print=True, host="127.0.0.1"):
    db.session.merge(ShopPrinter(shop_id=shop.id, host=host, port=port, paper_mm=paper_mm,
                                 auto_print=auto_print))
    db.session.commit()


def prints_of(order_id):
    db.session.expire_all()
    return db.session.scalars(select(TicketPrint).where(TicketPrint.order_id == order_id)
                              .order_by(TicketPrint.id)).all()


def wait_for_print(order_id, seconds=10):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        rows = prints_of(order_id)
        if rows and rows[-1].status != "queued":
            return rows[-1]
        time.sleep(0.05)
    raise AssertionError(f"print of order {order_id} still queued")


def test_accepting_prints_the_ticket_in_chinese_after_the_commit(app, shop_world, printer,
                                                                 login_as, client):
    app.config["NOTIFY_IN_BACKGROUND"] = True
    w = shop_world
    set_printer(w.shop, printer.port)
    login_as(w.merchant)
    response = client.post(url(app, "orders.accept", order_id=w.order.id), headers=HX)
    assert response.status_code == 200
    assert db.session.scalar(select(Order.status).where(Order.id == w.order.id)) is Status.ACCEPTED
    [data] = printer.wait(1)
    assert data.startswith(b"\x1b@\x1c&")  # ESC @ (init), FS & (Chinese mode)
    assert b"\x1dV\x00" in data  # GS V 0: cut
    assert "老王鲜果铺".encode("gb18030") in data  # GB18030, not UTF-8
    text = text_of(data)
    for words in ("老王鲜果铺", "赣南脐橙 5斤装", "¥12.80 × 2", "¥25.60", "建国路 1 号", "合计",
                  "货到付款（现金）", "张三 139****5678", "备注：少放冰", "谢谢", "#1",
                  f"订单 #{w.order.id}"):
        assert words in text, words
    assert f"¥{w.order.total_fen // 100}.{w.order.total_fen % 100:02d}" in text
    assert b"\x1bp" not in data  # the note's ESC was dropped, never sent as a command
    assert "13912345678" not in text
    row = wait_for_print(w.order.id)
    assert (row.status, row.trigger, row.error) == ("printed", "accept", "")


def test_printed_within_the_request_where_not_in_the_background(app, shop_world, printer,
                                                               login_as, client):
    assert app.config["NOTIFY_IN_BACKGROUND"] is False  # the tests' setting
    set_printer(shop_world.shop, printer.port)
    login_as(shop_world.merchant)
    client.post(url(app, "orders.accept", order_id=shop_world.order.id), headers=HX)
    assert len(printer.wait(1, seconds=2)) == 1  # sent after the commit, before the answer
    assert prints_of(shop_world.order.id)[-1].status == "printed"
    page = client.get(url(app, "orders.detail", order_id=shop_world.order.id))
    assert "已打印" in page.get_data(as_text=True)


def test_an_80_mm_ticket_is_wider(app, shop_world, printer, login_as, client):
    w = shop_world
    widths = {}
    for mm in (58, 80):
        set_printer(w.shop, printer.port, paper_mm=mm)
        login_as(w.merchant)
        response = client.post(url(app, "tickets.print_again", order_id=w.order.id))
        assert response.status_code == 303
        data = printer.wait(len(widths) + 1)[-1]
        widths[mm] = max(len(line) for line in text_of(data).split("\n") if line.startswith("---"))
    assert widths == {58: 32, 80: 48}


def test_no_printer_set_means_nothing_is_printed(app, shop_world, printer, login_as, client):
    w = shop_world
    set_printer(w.shop, printer.port, auto_print=False)
    login_as(w.merchant)
    assert client.post(url(app, "orders.accept", order_id=w.order.id)).status_code in (200, 303)
    assert prints_of(w.order.id) == [] and printer.received == []
    db.session.execute(update(Order).where(Order.id == w.order.id).values(status=Status.PLACED))
    db.session.delete(db.session.get(ShopPrinter, w.shop.id))
    db.session.commit()
    response = client.post(url(app, "tickets.print_again", order_id=w.order.id), headers=HX)
    assert response.status_code == 409 and "还没有设置打印机" in response.get_data(as_text=True)


@pytest.mark.parametrize("kind", ["refused", "timeout"])
def test_a_printer_that_refuses_or_never_answers_leaves_the_accept_done(app, shop_world, kind,
                                                                       login_as, client):
    app.config["NOTIFY_IN_BACKGROUND"] = True
    app.config["PRINTER_TIMEOUT_SECONDS"] = 1.5
    silent = SilentPrinter() if kind == "timeout" else None
    try:
        w = shop_world
        set_printer(w.shop, silent.port if silent else closed_port())
        login_as(w.merchant)
        started = time.monotonic()
        response = client.post(url(app, "orders.accept", order_id=w.order.id), headers=HX)
        assert response.status_code == 200 and time.monotonic() - started < 1.0
        assert db.session.scalar(select(Order.status).where(Order.id == w.order.id)) \
            is Status.ACCEPTED
        row = wait_for_print(w.order.id)
        assert (row.status, row.error) == ("failed", kind)
    finally:
        if silent:
            silent.stop()
    page = client.get(url(app, "orders.detail", order_id=w.order.id)).get_data(as_text=True)
    assert "打印失败" in page
    assert ("打印机拒绝连接" if kind == "refused" else "打印机没有响应") in page
    again = client.post(url(app, "tickets.print_again", order_id=w.order.id), headers=HX)
    assert again.status_code == 200 and "打印失败" in again.get_data(as_text=True)


@pytest.mark.parametrize(("lang", "width", "words"), [
    ("zh", 58, ["订单 #", "合计", "送达时间", "小票"]),
    ("zh", 80, ["订单 #", "合计", "送达时间", "小票"]),
    ("en", 58, ["Order #", "Total", "Delivery time", "Ticket"]),
    ("en", 80, ["Order #", "Total", "Delivery time", "Ticket"]),
])
def test_the_ticket_page_for_each_width_and_language(app, shop_world, login_as, client, lang,
                                                    width, words):
    w = shop_world
    login_as(w.merchant)
    client.set_cookie("lang", "en" if lang == "en" else "zh_CN")
    response = client.get(url(app, "tickets.ticket", order_id=w.order.id, width=width))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f"ticket-{width}.css" in page and f'class="ticket ticket-{width}"' in page
    for text in ["老王鲜果铺", "赣南脐橙 5斤装", "¥25.60", "139****5678", *words]:
        assert text in page, text
    assert "13912345678" not in page.split('id="ticket-')[1]


def test_the_ticket_page_is_the_shops_own(app, shop_world, login_as, client):
    w = shop_world
    path = url(app, "tickets.ticket", order_id=w.order.id)
    assert client.get(path).status_code == 302  # to the login
    for user, status in ((w.other_merchant, 404), (w.buyer, 403), (w.courier, 403),
                         (w.admin, 403), (w.merchant, 200)):
        login_as(user)
        assert client.get(path).status_code == status, user.role
    assert client.get(path + "?width=99").status_code == 400
    assert client.get(url(app, "tickets.ticket", order_id=10**6)).status_code == 404


@pytest.mark.parametrize(("host", "port", "problem"), [
    ("192.168.1.50", "9100", None),
    ("printer.local", "9100", None),
    ("  Kitchen-Printer.lan. ", "9101", None),
    ("127.0.0.1", "9100", None),  # the tests' printers (PRINTER_ALLOW_LOOPBACK)
    ("", "9100", "请填写打印机的 IP 地址或主机名"),
    ("http://192.168.1.50", "9100", "不要带 http://"),
    ("192.168.1.300", "9100", "IP 地址无效"),
    ("192.168.1.50:9100", "9100", "端口请填在下面"),
    ("0.0.0.0", "9100", "不能用作打印机"),
    ("255.255.255.255", "9100", "不能用作打印机"),
    ("224.0.0.1", "9100", "不能用作打印机"),
    ("169.254.1.1", "9100", "不能用作打印机"),
    ("-bad-.lan", "9100", "主机名只能包含"),
    ("打印机", "9100", "主机名只能包含"),
    ("a b", "9100", "不要带"),
    ("192.168.1.50", "0", "端口应为"),
    ("192.168.1.50", "65536", "端口应为"),
    ("192.168.1.50", "９１００", "端口应为"),
    ("192.168.1.50", "91a", "端口应为"),
    ("192.168.1.50", "5432", "不是打印机的端口"),
    ("192.168.1.50", "6379", "不是打印机的端口"),
])
def test_the_printer_settings_check_host_and_port(app, world, login_as, client, host, port,
                                                  problem):
    login_as(world.merchant)
    response = client.post(url(app, "tickets.printer"), data={
        "host": host, "port": port, "paper_mm": "80", "auto_print": "y"})
    saved = db.session.get(ShopPrinter, world.shop.id)
    if problem is None:
        assert response.status_code == 303
        assert (saved.host, saved.port, saved.paper_mm, saved.auto_print) == (
            host.strip().lower().rstrip("."), int(port), 80, True)
    else:
        assert response.status_code == 422 and saved is None
        page = response.get_data(as_text=True)
        assert problem in page and host.strip() in page  # what was typed is kept


def test_loopback_is_refused_outside_tests_and_development(app, world, login_as, client):
    app.config["PRINTER_ALLOW_LOOPBACK"] = False
    login_as(world.merchant)
    for host in ("127.0.0.1", "localhost", "::1"):
        response = client.post(url(app, "tickets.printer"), data={"host": host, "port": "9100",
                                                                   "paper_mm": "58"})
        assert response.status_code == 422, host
    set_printer(world.shop, 9100, host="localhost")  # stored before the setting changed
    response = client.post(url(app, "tickets.test_print"))
    row = db.session.scalars(select(TicketPrint)).one()
    assert response.status_code == 303 and (row.status, row.error) == ("failed", "blocked")


def test_the_test_print_says_how_it_went(app, world, printer, login_as, client):
    login_as(world.merchant)
    assert client.post(url(app, "tickets.test_print")).status_code == 409  # no printer yet
    set_printer(world.shop, printer.port)
    page = client.post(url(app, "tickets.test_print"), follow_redirects=True).get_data(as_text=True)
    assert "测试小票已打印" in page
    assert "打印测试" in text_of(printer.wait(1)[0])
    set_printer(world.shop, closed_port())
    response = client.post(url(app, "tickets.test_print"), follow_redirects=True)
    assert response.status_code == 200
    assert "测试打印失败：打印机拒绝连接" in response.get_data(as_text=True)
    client.set_cookie("lang", "en")
    page = client.get(url(app, "tickets.printer")).get_data(as_text=True)
    assert "Receipt printer" in page and "refused the connection" in page


def test_the_print_status_region_and_its_page(app, shop_world, printer, login_as, client):
    w = shop_world
    set_printer(w.shop, printer.port)
    login_as(w.merchant)
    path = url(app, "tickets.status", order_id=w.order.id)
    assert "还没有发送过" in client.get(path, headers=HX).get_data(as_text=True)
    response = client.get(path)
    assert response.status_code == 303
    assert response.headers["Location"].endswith(url(app, "tickets.ticket", order_id=w.order.id))
    client.post(url(app, "tickets.print_again", order_id=w.order.id))
    region = client.get(path, headers=HX).get_data(as_text=True)
    assert "已打印" in region and "hx-trigger" not in region  # asks again only while queued


def test_the_development_printer_shows_the_ticket_as_text(app, shop_world, login_as, client):
    import threading

    from webapp.tickets import devprinter

    shown, ports = [], []
    started = threading.Event()
    thread = threading.Thread(target=devprinter.serve, kwargs={
        "port": 0, "show": shown.append, "once": True,
        "ready": lambda port: (ports.append(port), started.set())}, daemon=True)
    thread.start()
    assert started.wait(5)
    set_printer(shop_world.shop, ports[0])
    login_as(shop_world.merchant)
    client.post(url(app, "tickets.print_again", order_id=shop_world.order.id))
    thread.join(5)
    [text] = shown
    assert "DEVELOPMENT PRINTER" in text and "老王鲜果铺" in text and "赣南脐橙 5斤装" in text


def test_a_line_s_variant_is_on_the_ticket(app, shop_world, printer, login_as, client):
    from webapp.models import OrderLine

    if not hasattr(OrderLine, "variant_name"):
        pytest.skip("order lines have no variant yet (issue 21's variants)")
    db.session.execute(update(OrderLine).where(OrderLine.order_id == shop_world.order.id)
                       .values(variant_name="大果"))
    db.session.commit()
    set_printer(shop_world.shop, printer.port)
    login_as(shop_world.merchant)
    client.post(url(app, "tickets.print_again", order_id=shop_world.order.id))
    assert "赣南脐橙 5斤装（大果）" in text_of(printer.wait(1)[0])
    page = client.get(url(app, "tickets.ticket", order_id=shop_world.order.id))
    assert "（大果）" in page.get_data(as_text=True)

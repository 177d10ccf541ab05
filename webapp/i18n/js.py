"""The texts the scripts under static/js show, by key. base.html renders them, translated, as
JSON into <body data-i18n> (no script element at all, so nothing for the CSP to weigh), which
app.js reads; `window.i18n.t(key, {n: 3})` fills the %(n)s placeholders.
Socket events carry codes and numbers only; the page words them in its own language."""
from __future__ import annotations

from flask import current_app
from flask_babel import get_locale, gettext

from webapp.i18n.marks import N_

JS_STRINGS = {
    # app.js: connection state and notices that reach the user on any page
    "live.disconnected": N_("连接已断开，正在重新连接…"),
    "live.stopped": N_("实时更新已中断，请重新加载页面。"),
    # app.js: a request that failed: "<reason>, <what did not happen>." and a button
    "net.message": N_("%(reason)s，%(outcome)s。"),
    "net.offline": N_("没有连上网络"),
    "net.timeout": N_("服务器没有及时回应"),
    "net.server": N_("服务器出错了"),
    "net.not_done": N_("“%(action)s”未完成"),
    "net.not_updated": N_("页面内容没有更新"),
    # The server may have done it before the answer was lost: the page offers a reload.
    "net.maybe": N_("“%(action)s”可能未完成，请重新加载后查看"),
    "net.maybe_unnamed": N_("操作可能未完成，请重新加载后查看"),
    "net.swap": N_("页面没能显示最新结果，请重新加载。"),
    "net.retry": N_("重试"),
    "net.reload": N_("重新加载"),
    "net.dismiss": N_("关闭"),
    "review.approved": N_("实名认证已通过，店铺已开通"),
    "review.rejected": N_("实名资料未通过，请查看原因"),
    "review.needs_info": N_("平台请你补充资料，请查看"),
    "review.updated": N_("实名审核结果已更新"),
    "quote.accepted": N_("你的报价已被选中，买家已下单"),
    "quote.not_chosen": N_("你的报价未被选中"),
    "quote.declined": N_("买家婉拒了你的报价"),
    "quote.expired": N_("你的一条报价已过期"),
    # ring.js, board.js, demands.js
    "ring.new_order": N_("新订单"),
    "ring.new_demand": N_("新需求"),
    "ring.unsupported": N_("此设备不支持提示音"),
    "ring.on": N_("提示音已开启"),
    # chat.js
    "chat.read": N_("已读"),
    "chat.new": N_("收到新消息"),
    "chat.failed": N_("消息没有发出，请重试。"),
    # catalog.js
    "catalog.preview_alt": N_("所选照片预览"),
    # scan.js: the product manager's barcode scanner
    "scan.starting": N_("正在打开摄像头…"),
    "scan.aim": N_("把商品条码放进框内，保持稳定。"),
    "scan.found": N_("已识别条码 %(code)s，正在查找…"),
    "scan.refused": N_("没有摄像头权限，无法扫码。请在浏览器设置中允许使用摄像头，或在下方手动输入条码。"),
    "scan.no_camera": N_("没有找到可用的摄像头，请在下方手动输入条码。"),
    "scan.failed": N_("摄像头无法打开，请在下方手动输入条码。"),
    # address-pin.js
    "pin.title": N_("收货位置"),
    "pin.marked": N_("已标记位置"),
    "pin.unmarked": N_("未标记"),
    "pin.locating": N_("正在定位…"),
    "pin.current": N_("已使用当前位置"),
    "pin.failed": N_("无法获取当前位置，请在地图上点选"),
    "pin.filled": N_("已按标记填写：%(region)s"),
    "pin.found": N_("标记位于%(region)s"),
    "pin.fill": N_("按标记填写省市区"),
    # courier.js
    "courier.connected_resending": N_("已连接 · 正在补发 %(n)s 个离线位置"),
    "courier.connected": N_("已连接 · 位置实时共享中"),
    "courier.offline": N_("网络已断开 · 已缓存 %(n)s 个位置，恢复后自动补发"),
    "courier.connecting": N_("正在连接服务器… 已缓存 %(n)s 个位置"),
    "courier.shared": N_("位置已共享 · %(time)s"),
    "courier.ended": N_("配送已结束，已停止共享位置"),
    "courier.refused": N_("位置未被接受（%(reason)s）"),
    "courier.no_answer": N_("无响应"),
    # why the server refused a position: the ack's error code (delivery.services.PositionRefused)
    "position.bad_request": N_("位置数据无效"),
    "position.forbidden": N_("这不是你的配送"),
    "position.not_tracking": N_("该订单当前不共享位置"),
    "position.too_fast": N_("发送太频繁"),
    "courier.offline_fix": N_("离线定位 · %(time)s（联网后补发）"),
    "courier.denied": N_("请在浏览器设置中允许定位，买家才能看到你的位置"),
    "courier.retrying": N_("暂时无法获取定位，正在重试…"),
    "courier.resent": N_("已补发 %(n)s 个离线位置 · %(time)s"),
    "courier.no_geolocation": N_("此浏览器无法定位"),
    # courier.js: the distance line above 已送达 (the same wording as delivery/_arrive.html)
    "arrive.near": N_("距收货位置约 %(distance)s 米，可确认送达。"),
    "arrive.far": N_("距收货位置约 %(distance)s 米（需在 %(radius)s 米内）。"),
    "arrive.stale": N_("最新定位是 %(n)s 分钟前，暂时无法核对距离。"),
    "arrive.no_position": N_("还没有你的定位，暂时无法核对距离。"),
    "wake.unsupported": N_("此浏览器不支持屏幕常亮，配送中请勿锁屏"),
    "wake.on": N_("配送中屏幕将保持常亮"),
    "wake.failed": N_("无法保持屏幕常亮（可能处于省电模式），配送中请勿锁屏"),
    # signature.js
    "sign.all_accepted": N_("全部验收"),
    "sign.all_refused": N_("全部拒收：本单无需付款，签名确认拒收"),
    "sign.some_refused": N_("拒收 %(n)s 项，共 %(amount)s 不收费"),
    # track-map.js
    "track.destination": N_("收货地址"),
    "track.courier": N_("骑手"),
    "track.courier_alt": N_("骑手位置"),
    "track.position_at": N_("骑手位置 · %(time)s"),
    "track.no_pin": N_("收货地址未标记地图位置，无法估算到达时间"),
    # The courier's position older than POSITION_STALE_SECONDS (the marker greyed).
    "track.stale": N_("位置更新于 %(n)s 分钟前"),
    # The ETA line, worded only by track-map.js: from every position, and from the numbers the
    # page is rendered with (data-distance-m, data-seconds, data-arriving on #track-eta).
    "eta.arriving": N_("骑手即将到达 · 约 %(m)s 米"),
    "eta.km": N_("预计 %(minutes)s 分钟送达 · 距离 %(km)s 公里"),
    "eta.m": N_("预计 %(minutes)s 分钟送达 · 距离 %(m)s 米"),
    # notifications.js: the bell's name and the announcement of a new one
    "notice.unread": N_("通知：%(n)s 条未读"),
    "notice.none": N_("通知"),
    "notice.new": N_("有新通知"),
    # push-settings.js: this browser's Web Push
    "push.on": N_("本设备已开启推送"),
    "push.off": N_("本设备已关闭推送"),
    "push.denied": N_("浏览器未允许通知，请在浏览器设置中允许后再试"),
    "push.failed": N_("无法开启推送，应用内通知仍然有效"),
    "push.unsupported": N_("此浏览器不支持推送，应用内通知仍然有效"),
    # share.js: the buyer's tracking link
    "share.copied": N_("链接已复制，可以发给收货人了"),
    "share.copy_by_hand": N_("无法自动复制，请长按链接复制"),
}


def js_strings() -> dict[str, str]:
    """Every script text in the current language. Every page carries them: worked out once per
    language and app (the catalogs do not change while it runs), not 50 lookups per page."""
    done = current_app.extensions.setdefault("js_strings", {})
    locale = str(get_locale())
    if locale not in done:
        done[locale] = {key: gettext(message) for key, message in JS_STRINGS.items()}
    return done[locale]

"""Quick replies, per party (and, for the buyer, per whom they write to). A quick reply is
stored as its message id and worded in each reader's language, so a buyer's 放门口可以吗 reads
"Can you leave it at the door?" for a courier who reads English."""
from __future__ import annotations

from webapp.i18n import N_
from webapp.models import Topic

TO_COURIER = (N_("放门口可以吗"), N_("我马上下楼"), N_("请送到家门口"), N_("好的，谢谢"))
TO_SHOP = (N_("请问今天能送到吗？"), N_("还有货吗？"), N_("好的，谢谢"))
COURIER = (N_("已到楼下"), N_("好的，马上到"), N_("放门口可以吗"), N_("请开一下门禁"))
SHOP = (N_("好的，马上处理"), N_("今天可以送达"), N_("稍等，我确认一下库存"), N_("请问需要多少？"))


def replies(party: str, topic: Topic) -> tuple[str, ...]:
    """The quick replies `party` may send in a conversation of `topic` (message ids)."""
    if party == "courier":
        return COURIER
    if party == "shop":
        return SHOP
    return TO_COURIER if topic is Topic.ORDER_COURIER else TO_SHOP

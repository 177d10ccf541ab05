"""All models, importable from one place (Alembic and the app load them from here)."""
from webapp.models.aftersale import AfterSale, AfterSaleEvent, AfterSaleLine
from webapp.models.base import Base, utcnow
from webapp.models.buyer import Address, CartItem
from webapp.models.catalog import Product, ProductVariant
from webapp.models.chat import ChatMessage, ChatRead, Conversation, Topic
from webapp.models.delivery import Delivery, ProofOfDelivery, TrackPoint
from webapp.models.demand import Demand, DemandStatus, Quote, QuoteStatus
from webapp.models.licence import LICENCE_FIELDS, ShopLicence
from webapp.models.merchant import (
    DOCUMENTS,
    REVIEWABLE,
    ApplicationStatus,
    AuditLog,
    MerchantApplication,
)
from webapp.models.notification import Notification, NotificationSetting, PushSubscription
from webapp.models.order import EventKind, Inspection, Order, OrderEvent, OrderLine, PaymentMethod
from webapp.models.payment import (
    AccountStatus,
    Channel,
    Payment,
    Purpose,
    Refund,
    ShopPaymentAccount,
)
from webapp.models.returns import OrderReturn
from webapp.models.review import Review, ReviewReport
from webapp.models.search import SearchToken, SynonymGroup
from webapp.models.shop import Shop, ShopStatus
from webapp.models.sms_code import SmsCode
from webapp.models.ticket import ShopPrinter, TicketPrint
from webapp.models.user import User
from webapp.orders.state import Action, Status
from webapp.roles import Role

__all__ = [
    "AfterSale", "AfterSaleEvent", "AfterSaleLine",
    "DOCUMENTS", "REVIEWABLE", "AccountStatus", "Action", "Address", "Channel", "Payment",
    "Purpose", "Refund", "ShopPaymentAccount", "ApplicationStatus", "AuditLog", "Base",
    "CartItem", "Delivery", "Demand", "DemandStatus", "EventKind", "Inspection",
    "MerchantApplication", "Order", "OrderEvent", "OrderLine", "PaymentMethod", "Product",
    "ProofOfDelivery", "Quote", "QuoteStatus", "Role", "SearchToken", "Shop", "ShopStatus",
    "Status", "SynonymGroup", "TrackPoint", "User", "utcnow",
    "OrderReturn",
    "Review", "ReviewReport",
    "SmsCode",
    "ShopPrinter", "TicketPrint",
    "Notification", "NotificationSetting", "PushSubscription",
    "ChatMessage", "ChatRead", "Conversation", "Topic",
    "LICENCE_FIELDS", "ShopLicence",
    "ProductVariant",
]

"""All models, importable from one place (Alembic and the app load them from here)."""
from webapp.models.base import Base, utcnow
from webapp.models.buyer import Address, CartItem
from webapp.models.catalog import Product
from webapp.models.delivery import Delivery, ProofOfDelivery, TrackPoint
from webapp.models.demand import Demand, DemandStatus, Quote, QuoteStatus
from webapp.models.merchant import (
    DOCUMENTS,
    REVIEWABLE,
    ApplicationStatus,
    AuditLog,
    MerchantApplication,
)
from webapp.models.order import EventKind, Inspection, Order, OrderEvent, OrderLine, PaymentMethod
from webapp.models.payment import (
    AccountStatus,
    Channel,
    Payment,
    Purpose,
    Refund,
    ShopPaymentAccount,
)
from webapp.models.search import SearchToken, SynonymGroup
from webapp.models.shop import Shop, ShopStatus
from webapp.models.user import User
from webapp.orders.state import Action, Status
from webapp.roles import Role

__all__ = [
    "DOCUMENTS", "REVIEWABLE", "AccountStatus", "Action", "Address", "Channel", "Payment",
    "Purpose", "Refund", "ShopPaymentAccount", "ApplicationStatus", "AuditLog", "Base",
    "CartItem", "Delivery", "Demand", "DemandStatus", "EventKind", "Inspection",
    "MerchantApplication", "Order", "OrderEvent", "OrderLine", "PaymentMethod", "Product",
    "ProofOfDelivery", "Quote", "QuoteStatus", "Role", "SearchToken", "Shop", "ShopStatus",
    "Status", "SynonymGroup", "TrackPoint", "User", "utcnow",
]

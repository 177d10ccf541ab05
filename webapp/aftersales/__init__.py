"""After-sales (售后): requests after signing, the shop's answer, escalation to the platform."""
from flask import Blueprint

bp = Blueprint("aftersales", __name__)

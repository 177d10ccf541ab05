"""The merchant's sales figures (issue 21): a period's revenue and orders per day in the shop's
local time, average order, top products, refusals, after-sales, on-time, payment split, quote win
rate and the cash each courier confirmed against what was due; drawn as SVG with a table each,
and exported as CSV and XLSX. Every figure is one aggregate statement over the shop's orders."""
from flask import Blueprint

bp = Blueprint("stats", __name__, url_prefix="/merchant/stats")

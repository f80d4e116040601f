"""A real invoice PDF, drawn with reportlab.

Why: the gateway streams ``invoice_pdf`` to users; it must be an actual PDF
with the invoice's number, lines, tax and totals so the download path can be
tested end to end.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime
from typing import Any

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas

from .money import format_amount


def _date(ts: int | None) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d") if ts else "—"


def reverse_charge_note(invoice: dict[str, Any]) -> str | None:
    """What an EU invoice must say when the buyer accounts for the VAT (with their VAT number)."""
    if not any(t.get("taxability_reason") == "reverse_charge" for t in invoice.get("total_taxes") or []):
        return None
    vat = ", ".join(t["value"] for t in invoice.get("customer_tax_ids") or [] if t.get("type") == "eu_vat")
    return f"Reverse charge: VAT to be accounted for by the recipient{f' (VAT number {vat})' if vat else ''}."


def invoice_pdf(invoice: dict[str, Any]) -> bytes:
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4, invariant=True)
    pdf.setTitle(f"Invoice {invoice['number'] or invoice['id']}")
    width, height = A4
    currency = invoice["currency"]
    y = height - 25 * mm
    pdf.setFont("Helvetica-Bold", 18)
    pdf.drawString(20 * mm, y, "Invoice")
    pdf.setFont("Helvetica", 10)
    y -= 10 * mm
    rows = [
        ("Invoice number", invoice["number"] or "draft"),
        ("Date of issue", _date(invoice["status_transitions"]["finalized_at"] or invoice["created"])),
        ("Status", invoice["status"]),
        ("Billed to", invoice["customer_name"] or invoice["customer_email"] or invoice["customer"]),
        ("Country", (invoice["customer_address"] or {}).get("country") or "—"),
    ]
    for label, value in rows:
        pdf.drawString(20 * mm, y, f"{label}:")
        pdf.drawString(60 * mm, y, str(value))
        y -= 6 * mm
    y -= 6 * mm
    pdf.setFont("Helvetica-Bold", 10)
    pdf.drawString(20 * mm, y, "Description")
    pdf.drawString(110 * mm, y, "Period")
    pdf.drawRightString(width - 20 * mm, y, "Amount")
    pdf.setFont("Helvetica", 10)
    for line in invoice["lines"]["data"]:
        y -= 6 * mm
        period = f"{_date(line['period']['start'])} \u2013 {_date(line['period']['end'])}"
        pdf.drawString(20 * mm, y, line["description"][:50])
        pdf.drawString(110 * mm, y, period)
        pdf.drawRightString(width - 20 * mm, y, format_amount(line["amount"], currency))
    y -= 10 * mm
    tax_amount = sum(t["amount"] for t in invoice["total_taxes"] or [])
    totals = [
        ("Subtotal (excl. tax)", invoice["total_excluding_tax"]),
        ("Tax (included)", tax_amount),
        ("Total", invoice["total"]),
        ("Amount paid", invoice["amount_paid"]),
        ("Amount due", invoice["amount_remaining"]),
    ]
    for label, amount in totals:
        pdf.drawString(110 * mm, y, label)
        pdf.drawRightString(width - 20 * mm, y, format_amount(amount, currency))
        y -= 6 * mm
    note = reverse_charge_note(invoice)
    if note:
        y -= 4 * mm
        pdf.setFont("Helvetica-Bold", 10)
        pdf.drawString(20 * mm, y, note)
        pdf.setFont("Helvetica", 10)
    pdf.setFont("Helvetica-Oblique", 8)
    pdf.drawString(20 * mm, 15 * mm, f"Stripe sandbox test invoice {invoice['id']}")
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()

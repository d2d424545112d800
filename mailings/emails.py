"""One report email: text and HTML bodies, the chart as an inline PNG (Content-ID), the
PDF of the same report attached. Dates are written in the subscription's language."""

import base64
from email.mime.image import MIMEImage

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import formats, translation

from .chart import png_bar_chart
from .figures import report_figures
from .pdf import render_pdf

CHART_CID = "report-chart"


def _day(day):
    return formats.date_format(day, "DATE_FORMAT")


def period_label(period):
    return f"{_day(period.start)} – {_day(period.last_day)}"


def build_message(subscription, period, report_url):
    """The EmailMultiAlternatives for one subscription and period, ready to send."""
    with translation.override(subscription.language):
        figures = report_figures(subscription, period)
        chart = None
        if figures["series"] is not None:
            chart = png_bar_chart(
                figures["series"], lambda day: formats.date_format(day, "MONTH_DAY_FORMAT")
            )
        context = {
            "subscription": subscription,
            "name": subscription.subject_name,
            "figures": figures,
            "period_label": period_label(period),
            "previous_label": period_label(figures["previous_period"]),
            "report_url": report_url,
            "chart_src": f"cid:{CHART_CID}" if chart else None,
        }
        subject = f"{subscription.subject_name}: clicks {context['period_label']}"
        text = render_to_string("mailings/report_email.txt", context)
        html = render_to_string("mailings/report_email.html", context)
        pdf_context = dict(context)
        if chart:
            pdf_context["chart_src"] = "data:image/png;base64," + base64.b64encode(chart).decode()
        pdf = render_pdf(pdf_context)
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        # Recipients are often the client's people and the agency's staff together: none sees
        # the others' addresses (no To: header), and one SMTP transaction still reaches all.
        bcc=list(subscription.recipients),
    )
    message.attach_alternative(html, "text/html")
    if chart:
        image = MIMEImage(chart, "png")
        image.add_header("Content-ID", f"<{CHART_CID}>")
        image.add_header("Content-Disposition", "inline", filename="chart.png")
        message.attach(image)
    message.attach(f"report-{period.start:%Y-%m-%d}.pdf", pdf, "application/pdf")
    return message

"""Report emails sent through a real SMTP server and read as they arrive."""

import io
import re
import shutil
import subprocess
from datetime import timedelta
from urllib.parse import urlsplit

import pypdf
import pytest
from django.core.management import call_command
from django.test import Client
from PIL import Image

from analytics.reports.periods import day_start
from analytics.tests.factories import ClickFactory
from mailings import periods
from mailings.models import Delivery

from .conftest import make_subscription

pytestmark = pytest.mark.django_db


def add_clicks(link, day, humans=0, bots=0):
    at = day_start(day) + timedelta(hours=10)
    ClickFactory.create_batch(humans, link=link, timestamp=at)
    ClickFactory.create_batch(bots, link=link, timestamp=at, is_bot=True, bot_reason="ua:crawler")


def pdf_text(data):
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages)


@pytest.fixture
def last_week(acme):
    """Last week: 7 human clicks on the poster, 3 on the flyer, 2 bots; the week before it:
    5 human clicks and 4 bots."""
    week = periods.latest_complete("weekly")
    before = periods.previous("weekly", week)
    add_clicks(acme["poster"], week.start, humans=4, bots=2)
    add_clicks(acme["poster"], week.start + timedelta(days=3), humans=3)
    add_clicks(acme["flyer"], week.last_day, humans=3)
    add_clicks(acme["poster"], before.start + timedelta(days=1), humans=5, bots=4)
    # Outside both periods: counted nowhere.
    add_clicks(acme["poster"], week.end, humans=50)
    return week


def test_a_weekly_report_arrives_with_figures_chart_and_pdf(smtp_server, acme, last_week):
    subscription = make_subscription(acme["client"])
    call_command("send_reports", "--now")

    [received] = smtp_server.inbox.wait_for(1)
    assert sorted(received.recipients) == ["ana@client.example", "staff@corp.example"]
    assert received.sender == "reports@agency.example"
    message = received.message
    # The client's people and the agency's staff do not see one another's addresses.
    assert "ana@client.example" not in message.as_string()
    assert message["To"] is None and message["Cc"] is None
    assert message["Subject"].strip().startswith("Acme: clicks ")
    html = received.part("text/html").get_content()
    # This week's humans 10 against 5 before (+100 %), bots 2 against 4 (-50 %).
    assert ">10</td>" in html and ">5</td>" in html and "+100 %" in html
    assert ">2</td>" in html and ">4</td>" in html and "-50 %" in html
    assert "Poster" in html and "Flyer" in html and "Summer" in html and "Winter" in html
    text = received.part("text/plain").get_content()
    assert "Human clicks: 10 (previous period" in text

    chart = received.part("image/png")
    assert chart["Content-ID"] == "<report-chart>"
    assert 'src="cid:report-chart"' in html
    assert chart.get_content().startswith(b"\x89PNG\r\n\x1a\n")

    [pdf] = [p for p in received.attachments() if p.get_content_type() == "application/pdf"]
    assert pdf.get_filename() == f"report-{last_week.start:%Y-%m-%d}.pdf"
    content = pdf.get_content()
    assert content.startswith(b"%PDF-")
    words = pdf_text(content)
    assert "Acme" in words and "Human clicks" in words and "Poster" in words
    assert "+100 %" in words and "-50 %" in words

    delivery = Delivery.objects.get(subscription=subscription)
    assert delivery.status == Delivery.Status.SENT
    assert delivery.period_start == last_week.start
    share = delivery.share_link
    assert (share.start_day, share.end_day) == (last_week.start, last_week.last_day)
    assert share.client == acme["client"] and share.revoked_at is None
    [url] = re.findall(r'href="(http[^"]+/r/[^"]+)"', html)
    assert url in text
    # The client's people open it without signing in, and see the same week's figures.
    page = Client().get(urlsplit(url).path)
    assert page.status_code == 200
    assert "Poster" in page.content.decode()


def test_dates_are_written_in_the_subscriptions_language(smtp_server, acme, last_week):
    make_subscription(acme["client"], language="es", frequency="monthly")
    call_command("send_reports", "--now")
    [received] = smtp_server.inbox.wait_for(1)
    month = periods.latest_complete("monthly")
    spanish = {1: "enero", 2: "febrero", 3: "marzo", 4: "abril", 5: "mayo", 6: "junio"}
    spanish |= {7: "julio", 8: "agosto", 9: "septiembre", 10: "octubre"}
    spanish |= {11: "noviembre", 12: "diciembre"}
    written = f"1 de {spanish[month.start.month]} de {month.start.year}"
    assert written in received.message["Subject"]
    assert written in received.part("text/html").get_content()
    [pdf] = received.attachments()[-1:]
    assert written in pdf_text(pdf.get_content())


def test_a_campaign_report_counts_its_own_links_only(smtp_server, acme, last_week):
    make_subscription(acme["summer"], sections=["top_links"])
    call_command("send_reports", "--now")
    [received] = smtp_server.inbox.wait_for(1)
    assert received.message["Subject"].strip().startswith("Acme / Summer: clicks ")
    html = received.part("text/html").get_content()
    assert ">7</td>" in html and "Poster" in html and "Flyer" not in html
    # No chart section chosen: no image part.
    assert not [p for p in received.message.walk() if p.get_content_type() == "image/png"]


@pytest.mark.skipif(not shutil.which("pdftoppm"), reason="pdftoppm (poppler-utils) is absent")
def test_the_pdf_renders_in_a_pdf_viewer_with_its_chart(smtp_server, acme, last_week, tmp_path):
    """Poppler (the engine of Evince and many viewers) draws the attached PDF: a page with
    the chart's bars in their blue and dark text on it."""
    make_subscription(acme["client"])
    call_command("send_reports", "--now")
    [received] = smtp_server.inbox.wait_for(1)
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(received.attachments()[-1].get_content())
    subprocess.run(  # noqa: S603 - a fixed command on a file of our own
        [
            shutil.which("pdftoppm"),
            "-png",
            "-r",
            "50",
            "-f",
            "1",
            "-l",
            "1",
            str(pdf),
            str(tmp_path / "page"),
        ],
        check=True,
        timeout=60,
    )
    [png] = tmp_path.glob("page*.png")
    colours = Image.open(png).convert("RGB").getcolors(maxcolors=1 << 20)
    bar_blue = sum(n for n, (r, g, b) in colours if b > 200 and r < 80 and g < 130)
    dark_text = sum(n for n, (r, g, b) in colours if r + g + b < 150)
    assert bar_blue > 100
    assert dark_text > 100


def test_the_email_names_bot_reasons_in_words_and_the_charts_zone(smtp_server, acme, last_week):
    make_subscription(acme["client"])
    call_command("send_reports", "--now")

    [received] = smtp_server.inbox.wait_for(1)
    html = received.part("text/html").get_content()
    text = received.part("text/plain").get_content()
    # Emails have no hover: the words, then the stored code.
    assert "Search engine or crawler" in html and "(ua:crawler)" in html
    assert "Search engine or crawler (ua:crawler): 2" in text
    assert "Times in UTC" in html

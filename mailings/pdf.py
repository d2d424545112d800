"""The report as a PDF, rendered from HTML by WeasyPrint (pure Python on Pango: no browser
process to run next to the worker; see docs/scheduled-reports.md)."""

from django.template.loader import render_to_string


def render_pdf(context):
    import weasyprint  # loads Pango through cffi: only in the process that renders

    html = render_to_string("mailings/report_pdf.html", context)
    return weasyprint.HTML(string=html).write_pdf()

"""English conversations in the CoolXost demo mailbox, account side: invoices, pricing, plans, contracts, wishes.

These go to the commercial and development lines: a double charge with the invoice attached as PDF, reseller
and agency requests (one HTML-only, sent from a CRM with a tracking pixel), a plan downgrade, a GDPR contract
and feature wishes. Written for Linedesk's demo; every name, domain and address is invented.
"""

from __future__ import annotations

from gmail_emulator.seed_data.files import invoice_pdf
from gmail_emulator.seed_data.model import Attachment, Mail, Thread, days, signature

OUTLOOK = "Microsoft Outlook 16.0"

NORTHWIND_INVOICE = Thread(
    key="northwind-invoice",
    customer="Priya Raman",
    address="priya.raman@northwind-analytics.com",
    subject="Invoice INV-2025-0413 charged twice",
    x_mailer=OUTLOOK,
    mails=(
        Mail(
            "in",
            days(15, 4),
            "Dear CoolXost team,\n\nour company card was charged twice for the attached invoice\n"
            "(49.90 EUR on the 3rd and again on the 4th). Could you please refund the duplicate payment?\n\n"
            "Kind regards,\nPriya Raman\nFinance, Northwind Analytics Ltd.",
            attachments=(Attachment("INV-2025-0413.pdf", "application/pdf", invoice_pdf),),
        ),
        Mail(
            "out",
            days(14, 21),
            "Dear Priya,\n\nyou are right: the payment provider retried a charge that had in fact succeeded.\n"
            "I have refunded the second payment of 49.90 EUR; depending on your bank it will show on the\n"
            "card within 3-5 business days. The invoice itself stays valid.\n\nApologies for the trouble.\n\n"
            + signature("daniel"),
            agent="daniel",
        ),
    ),
)

FEATURE_BACKUPS = Thread(
    key="mendes-feature-backups",
    customer="Carlos Mendes",
    address="carlos@mendes-arquitetos.pt",
    subject="Feature request: hourly backups on the Business plan",
    mails=(
        Mail(
            "in",
            days(10, 7),
            "Hello,\n\nwe are an architecture office and our project files change all day. Nightly backups\n"
            "mean we can lose a whole day of work. Would you consider hourly snapshots (even kept for only\n"
            "48 hours) on the Business plan? We would happily pay a few euros more for it.\n\nBest,\nCarlos",
        ),
        Mail(
            "out",
            days(9, 22),
            "Hello Carlos,\n\nthank you for the suggestion - you are not the first to ask, and it is now on\n"
            "our development roadmap as \"frequent snapshots\". We are testing hourly snapshots kept for\n"
            "two days on the storage cluster in Lisbon first. I have added your office to the list of\n"
            "beta testers; we expect to contact you within the next month.\n\n" + signature("yuki"),
            agent="yuki",
        ),
    ),
)

DOMAIN_TRANSFER = Thread(
    key="rosa-domain-transfer",
    customer="Rosa Bianchi",
    address="rosa@bakery-rosa.com",
    subject="Auth code for transferring bakery-rosa.com",
    utc_offset_h=1,
    mails=(
        Mail(
            "in",
            days(5, 9),
            "Buongiorno,\n\nI want to move the domain bakery-rosa.com to CoolXost so everything is in one\n"
            "place. My old registrar gave me the auth code. Where do I enter it?\n\nGrazie,\nRosa",
        ),
    ),
)

AGENCY_MIGRATION = Thread(
    key="brightwave-migration",
    customer="Sophie Laurent",
    address="sophie.laurent@brightwave-agency.com",
    subject="Partnership: moving 40 client sites to CoolXost",
    utc_offset_h=1,
    mails=(
        Mail(
            "in",
            days(13, 4),
            "",
            html_only=True,
            html=(
                '<!DOCTYPE html><html><head><style>.btn{background:#ff6b35;color:#fff;padding:8px 14px;'
                "border-radius:4px;text-decoration:none}</style></head>\n"
                '<body style="margin:0;padding:0;background:#f4f4f7;">\n'
                '<table width="100%" cellpadding="0" cellspacing="0"><tr><td style="padding:24px;'
                'font-family:Helvetica,Arial,sans-serif;font-size:14px;line-height:1.5;color:#333;">\n'
                "<p>Hi CoolXost team,</p>\n<p>I run <strong>Brightwave</strong>, a small web agency in Lyon. We "
                "host about 40 WordPress sites for our clients and are looking for a new provider with "
                "<em>staging environments</em> and a reseller account.</p>\n"
                "<p>Could we have a call next week about pricing for 40 sites (~120 GB in total)?</p>\n"
                '<p><a class="btn" href="https://meet.brightwave-agency.com/sophie">Pick a time</a></p>\n'
                '<p style="color:#888;font-size:12px;">Sophie Laurent &middot; Founder &middot; '
                "+33 4 72 55 01 88</p>\n</td></tr></table>\n"
                '<img src="https://t.brightwave-agency.com/o/8f3e2a91c4.gif" width="1" height="1" alt="" '
                'style="display:block;border:0;">\n</body></html>'
            ),
        ),
        Mail(
            "out",
            days(12, 20),
            "Hi Sophie,\n\nthank you for thinking of us. Our reseller plan covers exactly that: unlimited\n"
            "sites, one-click staging and white-label panel access for your clients. For 40 sites and\n"
            "120 GB it would be 89 EUR per month, migration included.\n\nI have put a call in for next\n"
            "Tuesday at 10:00 CET - the invite is on its way.\n\n" + signature("daniel"),
            agent="daniel",
        ),
    ),
)

RESELLER_PRICING = Thread(
    key="schmidt-reseller",
    customer="Hannah Schmidt",
    address="h.schmidt@schmidt-it.de",
    subject="Reseller pricing for 50 VPS",
    utc_offset_h=1,
    x_mailer=OUTLOOK,
    mails=(
        Mail(
            "in",
            days(18, 3),
            "Hello,\n\nwe manage IT for about 50 small businesses and want to give each of them a small VPS\n"
            "(2 vCPU, 4 GB RAM, 80 GB SSD). Do you offer volume pricing and monthly invoicing for all\n"
            "servers on one invoice?\n\nBest regards\nHannah Schmidt\nSchmidt IT-Service",
        ),
        Mail(
            "out",
            days(17, 22),
            "Hello Ms Schmidt,\n\nyes to both. From 25 servers we give 20% off the list price, so the VPS M\n"
            "would be 9.60 EUR instead of 12.00 EUR per month, all on one monthly invoice with a line\n"
            "per server and your own reference per customer. Shall I prepare a formal offer?\n\n" + signature("daniel"),
            agent="daniel",
        ),
        Mail(
            "in",
            days(17, 3),
            "Yes please, a formal offer would be great. Please address it to Schmidt IT-Service GmbH,\n"
            "Kaiserstrasse 12, 60311 Frankfurt.\n\nHannah Schmidt",
        ),
    ),
)

DOWNGRADE = Thread(
    key="evans-downgrade",
    customer="George Evans",
    address="george@evans-photo.com",
    subject="Downgrade from Business to Starter",
    mails=(
        Mail(
            "in",
            days(1, 22),
            "Hi,\n\nmy photography site gets much less traffic in winter. Can I move from Business to\n"
            "Starter until March and will I lose anything?\n\nGeorge",
        ),
    ),
)

DNS_API = Thread(
    key="taylor-dns-api",
    customer="Sam Taylor",
    address="sam@taylorsoftware.dev",
    subject="Is there an API for DNS records?",
    mails=(
        Mail(
            "in",
            days(14, 6),
            "Hi,\n\nI want to automate Let's Encrypt DNS-01 challenges for wildcard certificates with\n"
            "certbot. Do you have an API for creating and deleting TXT records? A token per zone would be\n"
            "ideal.\n\nSam",
        ),
        Mail(
            "out",
            days(13, 20),
            "Hi Sam,\n\nnot yet publicly, but the development team has a DNS API in beta (REST, tokens\n"
            "scoped per zone - exactly what you describe) and a certbot plugin for it. I enabled the beta\n"
            "for your account: Panel > Account > API tokens. Feedback is very welcome.\n\n"
            + signature("yuki"),
            agent="yuki",
        ),
    ),
)

WILDCARD_SSL = Thread(
    key="wilson-wildcard",
    customer="Emma Wilson",
    address="emma@wilson-events.co.uk",
    subject="Wildcard certificate: price and setup",
    mails=(
        Mail(
            "in",
            days(5, 3),
            "Hello,\n\nwe create a subdomain for every wedding we organise (e.g. smith-jones.wilson-events.co.uk).\n"
            "Do you sell wildcard certificates, and are they included in any plan?\n\nEmma",
        ),
    ),
)

GDPR_DPA = Thread(
    key="weber-dpa",
    customer="Dr. Julia Weber",
    address="j.weber@weber-praxis.de",
    subject="Data processing agreement (GDPR)",
    utc_offset_h=1,
    mails=(
        Mail(
            "in",
            days(2, 2),
            "Dear Sir or Madam,\n\nas a medical practice we need a signed data processing agreement\n"
            "(Art. 28 GDPR) for our website and email hosting. Please send it to me.\n\n"
            "Kind regards\nDr. med. Julia Weber",
        ),
    ),
)

THREADS = (
    NORTHWIND_INVOICE,
    FEATURE_BACKUPS,
    DOMAIN_TRANSFER,
    AGENCY_MIGRATION,
    RESELLER_PRICING,
    DOWNGRADE,
    DNS_API,
    WILDCARD_SSL,
    GDPR_DPA,
)

"""English conversations in the CoolXost demo mailbox, technical side: outages, VPS, DNS, SSL, mail delivery.

Includes the longest reply chain (acme-site-down), the HTML-only mails (one with a tracking pixel is in
`english_accounts`, one with a <script> is here), an out-of-office auto-reply, a bounce of a reply sent to a
mistyped Reply-To address, and a customer who writes again with a new subject while her first request is open
(pixelfarm). Written for Linedesk's demo; every name, domain and address is invented (IPs come from the
documentation ranges).
"""

from __future__ import annotations

from gmail_emulator.seed_data.files import boot_log, control_panel_screenshot
from gmail_emulator.seed_data.model import Attachment, Mail, Thread, days, signature

THUNDERBIRD = "Mozilla Thunderbird 128.5.0"
OUTLOOK = "Microsoft Outlook 16.0"
APPLE = "Apple Mail (2.3826.300.87.4.3)"

ACME_SITE_DOWN = Thread(
    key="acme-site-down",
    customer="Tom Becker",
    address="tom.becker@acme-bikes.de",
    subject="Website down - 503 errors on shop.acme-bikes.de",
    utc_offset_h=1,
    x_mailer=THUNDERBIRD,
    mails=(
        Mail(
            "in",
            days(19, 6),
            "Hello,\n\nsince early this morning our shop at https://shop.acme-bikes.de only shows\n"
            "\"503 Service Unavailable\". We did not change anything. It is our busiest week\n"
            "(spring sale), so every hour costs us real money.\n\nCustomer number: CX-20417\n"
            "Plan: Business Hosting\n\nPlease help!\n\nTom Becker\nAcme Bikes GmbH",
        ),
        Mail(
            "out",
            days(19, 5, 35),
            "Hello Tom,\n\nthank you for the quick report. I can confirm the 503: the PHP-FPM pool of your\n"
            "account has reached its limit of 20 workers and new requests are queued until they time out.\n"
            "I have passed this to our technicians on the 2nd line, who can look at the server itself.\n"
            "You will hear from them shortly.\n\n" + signature("lisa"),
            agent="lisa",
        ),
        Mail(
            "in",
            days(19, 5),
            "Hi Lisa,\n\nthanks. In the meantime the shop came back for ten minutes and is down again.\n"
            "Could a plugin update be the cause? WooCommerce updated itself last night.\n\nTom\n\n"
            "> I can confirm the 503: the PHP-FPM pool of your account has reached its limit\n"
            "> of 20 workers",
        ),
        Mail(
            "out",
            days(19, 3, 10),
            "Hello Tom,\n\nPavel from the 2nd line here. The WooCommerce update started a database migration\n"
            "that locks the wp_postmeta table; every page view waited for that lock and the workers piled\n"
            "up. The migration has now finished, I restarted PHP-FPM and raised the pool to 40 workers for\n"
            "the rest of your sale week at no cost.\n\nThe shop answers normally again (median response\n"
            "time 180 ms). Please let us know if you see any further errors.\n\n" + signature("pavel"),
            agent="pavel",
        ),
        Mail(
            "in",
            days(18, 22, 45),
            "Pavel, Lisa - everything works, orders are coming in again. Thank you for the fast help\n"
            "and for the extra workers!\n\nTom",
        ),
    ),
)

GREENLEAF_SSL = Thread(
    key="greenleaf-ssl",
    customer="Anna Kowalski",
    address="anna@greenleaf-tea.com",
    subject="SSL certificate expired on greenleaf-tea.com",
    utc_offset_h=1,
    mails=(
        Mail(
            "in",
            days(16, 9),
            "",
            html_only=True,
            headers=(("Reply-To", "Anna Kowalski <anna@greenleaf-tea.con>"),),
            html=(
                '<html><head><meta charset="utf-8"></head><body style="font-family: Georgia, serif; '
                'font-size: 15px; color: #2f3b2f;">\n'
                '<p>Good morning,</p>\n<p>visitors of <a href="https://greenleaf-tea.com" style="color:#2e7d32">'
                "greenleaf-tea.com</a> get a big red warning: <b>&quot;Your connection is not private&quot;</b> "
                "(NET::ERR_CERT_DATE_INVALID). I thought the certificate renews itself?</p>\n"
                '<p style="margin-top: 18px;">Could you please renew it &amp; tell me why it did not happen '
                "automatically?</p>\n"
                '<p>Warm regards,<br><span style="color:#6b8e23; font-weight: bold;">Anna Kowalski</span><br>'
                "Greenleaf Tea &ndash; loose-leaf tea since 2011</p>\n</body></html>"
            ),
        ),
        Mail(
            "out",
            days(16, 7, 30),
            "Hello Anna,\n\nthe automatic renewal (Let's Encrypt) failed because the domain's AAAA record\n"
            "points to an old IPv6 address that is no longer ours, so the validation request never\n"
            "reached your site. I removed the stale AAAA record and issued a new certificate; it is valid\n"
            "for 90 days and will renew on its own from now on.\n\n" + signature("kristina"),
            agent="kristina",
            to="Anna Kowalski <anna@greenleaf-tea.con>",
        ),
        Mail(
            "in",
            days(14, 2),
            parent=0,
            body="Hello again,\n\nI have not heard back from you about the certificate, but I see the site works\n"
            "now. Did someone fix it? And will it happen again in three months?\n\nAnna",
        ),
        Mail(
            "out",
            days(13, 23, 40),
            "Hello Anna,\n\nsorry - we did answer two days ago, but your mail program sets the reply address\n"
            "anna@greenleaf-tea.con (\".con\" instead of \".com\"), so our reply bounced. You may want to fix\n"
            "that in your mail settings.\n\nIn short: a stale AAAA record blocked the automatic renewal; it is\n"
            "removed and the certificate will now renew by itself every 60 days.\n\n" + signature("kristina"),
            agent="kristina",
        ),
    ),
)

BOUNCE_GREENLEAF = Thread(
    key="bounce-greenleaf",
    customer="Mail Delivery System",
    address="MAILER-DAEMON@mx2.coolxost.com",
    subject="Undelivered Mail Returned to Sender",
    utc_offset_h=1,
    mails=(Mail("in", days(16, 7, 29), "", kind="bounce", bounced=("greenleaf-ssl", 1)),),
)

FJORD_VPS_REBOOT = Thread(
    key="fjord-vps-reboot",
    customer="Jonas Lindqvist",
    address="jonas@fjordlabs.se",
    subject="VPS vps-2231 does not come back after reboot",
    utc_offset_h=1,
    x_mailer=THUNDERBIRD,
    mails=(
        Mail(
            "in",
            days(12, 11),
            "Hi,\n\nafter applying the kernel update I rebooted vps-2231 from the panel and it never came\n"
            "back: no SSH, no ping. The web console shows it drops into emergency mode. I attached what the\n"
            "console printed.\n\nCan you attach a rescue system or tell me what to do?\n\nThanks,\nJonas",
            attachments=(Attachment("boot.log", "text/plain", boot_log),),
        ),
        Mail(
            "out",
            days(12, 9, 20),
            "Hi Jonas,\n\nthe log shows the boot waiting for /srv/data (UUID b71e22c4), the extra volume you\n"
            "detached last week. The entry is still in /etc/fstab, so systemd gives up and stops in\n"
            "emergency mode.\n\nI booted the VPS into the rescue system and added \"nofail\" to that fstab line;\n"
            "it boots normally again. If you want the volume back, attach it in the panel under\n"
            "Storage > Volumes.\n\n" + signature("marco"),
            agent="marco",
        ),
    ),
)

BLUEPEAK_DELIVERABILITY = Thread(
    key="bluepeak-deliverability",
    customer="Megan O'Connor",
    address="megan@bluepeak-yoga.ie",
    subject="Our newsletters land in Gmail spam",
    x_mailer=APPLE,
    mails=(
        Mail(
            "in",
            days(11, 8),
            "Hello,\n\nfor about two weeks our studio newsletter (sent from news@bluepeak-yoga.ie through\n"
            "your SMTP) goes straight to spam for everyone with a Gmail address. Nothing changed on our\n"
            "side as far as I know. What can we do?\n\nMegan\nBlue Peak Yoga, Galway",
        ),
        Mail(
            "out",
            days(11, 5),
            "Hello Megan,\n\nyour domain has an SPF record but no DKIM signature and no DMARC policy; since\n"
            "February Gmail requires both for senders of bulk mail. I have created a DKIM key for\n"
            "bluepeak-yoga.ie - please publish this TXT record at your DNS provider:\n\n"
            "  coolxost._domainkey.bluepeak-yoga.ie  TXT  \"v=DKIM1; k=rsa; p=MIIBIjANBgkqh...\"\n\n"
            "and a first DMARC record:  _dmarc.bluepeak-yoga.ie  TXT  \"v=DMARC1; p=none\"\n\n"
            "Could you also forward us the full headers of one newsletter that landed in spam?\n\n"
            + signature("lisa"),
            agent="lisa",
        ),
        Mail(
            "in",
            days(11, 4, 59),
            "Thank you for your message. I am away on a teacher-training retreat until next Monday with\n"
            "very limited access to email. For class bookings please use the app; for anything urgent\n"
            "call the studio on +353 91 555 0147.\n\nNamaste,\nMegan",
            subject="Automatic reply: Re: Our newsletters land in Gmail spam",
            kind="autoreply",
        ),
    ),
)

PIXELFARM_SLOW = Thread(
    key="pixelfarm-slow",
    customer="Maria Gomez",
    address="maria@pixelfarm.io",
    subject="Site very slow since the PHP 8.3 switch",
    utc_offset_h=-5,
    mails=(
        Mail(
            "in",
            days(9, 3),
            "Hi there,\n\nsince we switched pixelfarm.io to PHP 8.3 in the panel yesterday, pages take 6-8\n"
            "seconds to load instead of under one. Switching back to 8.1 is not really an option because\n"
            "of the new theme. Any idea?\n\nMaria",
        ),
        Mail(
            "out",
            days(8, 23),
            "Hi Maria,\n\nthanks for the details. OPcache is not enabled for the PHP 8.3 version of your\n"
            "account, which would explain the slowness. I have asked a technician to check the\n"
            "configuration and will let you know as soon as I hear back.\n\n" + signature("lisa"),
            agent="lisa",
        ),
    ),
)

PIXELFARM_FTP = Thread(
    key="pixelfarm-ftp",
    customer="Maria Gomez",
    address="maria@pixelfarm.io",
    subject="Can't log in to FTP anymore",
    utc_offset_h=-5,
    mails=(
        Mail(
            "in",
            days(7, 2),
            "Hi again,\n\na separate problem (the slow site from my other mail is still slow, by the way):\n"
            "FileZilla now says \"530 Login authentication failed\" for ftp.pixelfarm.io, with the same\n"
            "password that worked last week. I did not change it.\n\nMaria",
        ),
    ),
)

CARTER_PANEL_ERROR = Thread(
    key="carter-panel-error",
    customer="Ben Carter",
    address="ben@cartercoffee.co.uk",
    subject="Control panel shows \"Internal error\" when adding a domain",
    x_mailer=APPLE,
    mails=(
        Mail(
            "in",
            days(8, 5),
            "Hello,\n\nwhen I try to add cartercoffee.shop as an addon domain the panel shows the error in\n"
            "the screenshot and nothing happens. Tried Chrome and Safari.\n\nCheers,\nBen",
            attachments=(Attachment("panel-error.png", "image/png", control_panel_screenshot),),
        ),
        Mail(
            "out",
            days(8, 1),
            "Hello Ben,\n\nthank you for the screenshot, it helped. The panel refused the domain because\n"
            "cartercoffee.shop still exists as an old, cancelled account on our platform. I removed the\n"
            "leftover entry; adding the domain works now.\n\n" + signature("kristina"),
            agent="kristina",
        ),
    ),
)

DNS_PROPAGATION = Thread(
    key="chen-dns",
    customer="Olivia Chen",
    address="olivia@chen-dental.com",
    subject="DNS changes not visible after 24 hours",
    utc_offset_h=-8,
    mails=(
        Mail(
            "in",
            days(6, 10),
            "Hello,\n\nyesterday I changed the A record of booking.chen-dental.com to 198.51.100.42 in your\n"
            "DNS editor, but the booking page still goes to the old server for me and my staff.\n"
            "How long does this take?\n\nOlivia Chen\nChen Family Dental",
        ),
        Mail(
            "out",
            days(6, 6),
            "Hello Olivia,\n\nour name servers answer with the new address, so the change itself is live. The\n"
            "old record had a TTL of 86400 seconds (one day), and your office router caches answers a\n"
            "little longer. It should switch within the next few hours; restarting the router makes it\n"
            "happen at once. I lowered the TTL to 300 seconds so future changes go faster.\n\n"
            + signature("kristina"),
            agent="kristina",
        ),
    ),
)

MAILBOX_FULL = Thread(
    key="novak-mailbox-full",
    customer="Peter Novak",
    address="peter.novak@novak-legal.cz",
    subject="Mailbox full although I deleted everything",
    utc_offset_h=1,
    x_mailer=OUTLOOK,
    mails=(
        Mail(
            "in",
            days(4, 20),
            "Good afternoon,\n\nclients tell me their mails to peter.novak@novak-legal.cz bounce with \"mailbox\n"
            "full\". In Outlook I deleted hundreds of old messages but the quota still shows 10 GB of 10 GB.\n\n"
            "Regards,\nJUDr. Peter Novak",
        ),
        Mail(
            "out",
            days(4, 17),
            "Good afternoon Mr Novak,\n\nOutlook moved the messages to \"Deleted Items\", which still counts\n"
            "towards the quota (9.2 GB of it). Please right-click \"Deleted Items\" and choose \"Empty\n"
            "folder\". I have also raised your quota to 15 GB for the next 14 days so no more mail\n"
            "bounces while you tidy up.\n\n" + signature("lisa"),
            agent="lisa",
        ),
    ),
)

TRAFFIC_SPIKE = Thread(
    key="brooks-traffic-spike",
    customer="Ethan Brooks",
    address="ethan@brooksgaming.net",
    subject="Huge traffic spike - are we under attack?",
    utc_offset_h=-5,
    mails=(
        Mail(
            "in",
            days(3, 14),
            "Hey,\n\nour game server status page brooksgaming.net/status gets 50x the normal traffic since\n"
            "an hour and the VPS load is 30+. Is this a DDoS? Can you block it?\n\nEthan",
        ),
        Mail(
            "out",
            days(3, 13, 20),
            "Hi Ethan,\n\nyes, it is a layer-7 flood: about 12,000 requests per second to /status from a\n"
            "few thousand addresses, all with the same user agent. I enabled our DDoS filter for your\n"
            "IP and added a rate limit for that path; load is back under 2. We will keep the filter on\n"
            "for 48 hours and watch it.\n\n" + signature("pavel"),
            agent="pavel",
        ),
    ),
)

CONTACT_FORM = Thread(
    key="walsh-contact-form",
    customer="Liam Walsh",
    address="liam@walsh-plumbing.ie",
    subject="Contact form on our site stopped sending emails",
    mails=(
        Mail(
            "in",
            days(2, 19),
            "",
            html_only=True,
            html=(
                '<html><body style="font-family: Verdana, sans-serif; font-size: 13px;">\n'
                "<div>Hello support,</div>\n<div><br></div>\n<div>the contact form on walsh-plumbing.ie "
                "says &quot;Thanks, we&#39;ll be in touch&quot; but no email arrives anymore. This is the "
                "code our web designer put on the page:</div>\n"
                '<div style="background:#f6f6f6;border:1px solid #ddd;padding:6px;">'
                "<script>\n  document.getElementById('contact').onsubmit = function () {\n"
                "    fetch('/mail.php', {method: 'POST', body: new FormData(this)});\n  };\n</script>"
                "</div>\n<div><br></div>\n<div>Liam Walsh<br>Walsh Plumbing &amp; Heating</div>\n"
                "</body></html>"
            ),
        ),
    ),
)

CRON_JOBS = Thread(
    key="khan-cron",
    customer="Aisha Khan",
    address="aisha@khan-textiles.com",
    subject="Cron jobs stopped running at night",
    utc_offset_h=5,
    mails=(
        Mail(
            "in",
            days(1, 9),
            "Hello,\n\nour nightly stock sync (cron, 02:00) has not run for three nights. The job is still in\n"
            "the panel and runs fine when I click \"Run now\". Did you change something?\n\nAisha Khan",
        ),
        Mail(
            "out",
            days(1, 4),
            "Hello Aisha,\n\nthe job did run, but it now starts at 02:00 server time (UTC), which is 07:00 for\n"
            "you, and your script exits when it is called after 06:00. Since last week the panel shows\n"
            "the server time zone next to each job. I changed the schedule to 21:00 UTC (02:00 your time).\n\n"
            + signature("marco"),
            agent="marco",
        ),
    ),
)

DB_CONNECTIONS = Thread(
    key="martin-db-connections",
    customer="Lucas Martin",
    address="lucas@martin-events.fr",
    subject="MySQL error: Too many connections",
    utc_offset_h=1,
    mails=(
        Mail(
            "in",
            days(0, 20),
            "Hello,\n\nour ticket shop shows \"SQLSTATE[HY000] [1040] Too many connections\" several times an\n"
            "hour since we started selling tickets for the summer festival. Can you raise the limit?\n\n"
            "Lucas Martin\nMartin Events",
        ),
    ),
)

BACKUP_RESTORE = Thread(
    key="fischer-restore",
    customer="Nora Fischer",
    address="nora@fischer-bau.at",
    subject="Please restore public_html from last Tuesday",
    utc_offset_h=1,
    mails=(
        Mail(
            "in",
            days(0, 6),
            "Hello,\n\nan intern deleted the folder public_html/projekte on fischer-bau.at this morning.\n"
            "Could you restore it from the backup of last Tuesday? Only that folder please, the rest of\n"
            "the site has changed since.\n\nThank you!\nNora Fischer",
        ),
    ),
)

THREADS = (
    ACME_SITE_DOWN,
    GREENLEAF_SSL,
    BOUNCE_GREENLEAF,
    FJORD_VPS_REBOOT,
    BLUEPEAK_DELIVERABILITY,
    PIXELFARM_SLOW,
    PIXELFARM_FTP,
    CARTER_PANEL_ERROR,
    DNS_PROPAGATION,
    MAILBOX_FULL,
    TRAFFIC_SPIKE,
    CONTACT_FORM,
    CRON_JOBS,
    DB_CONNECTIONS,
    BACKUP_RESTORE,
)

"""Japanese conversations in the CoolXost demo mailbox.

One customer writes the traditional way — ISO-2022-JP body in 7bit, subject and name as ISO-2022-JP encoded
words — one sends HTML only, the rest UTF-8. Support answers in Japanese, in UTF-8. All names and addresses
are invented.
"""

from __future__ import annotations

from gmail_emulator.seed_data.model import Mail, Thread, days, signature

SITE_DOWN = Thread(
    key="ja-site-down",
    customer="田中 健",
    address="ken.tanaka@sakura-shoten.jp",
    subject="サイトが表示されません",
    utc_offset_h=9,
    header_charset="iso-2022-jp",
    x_mailer="Becky! ver. 2.81.06",
    mails=(
        Mail(
            "in",
            days(15, 10),
            "CoolXost サポート御中\n\nいつもお世話になっております。さくら書店の田中です。\n\n"
            "本日の朝から、弊社サイト sakura-shoten.jp にアクセスすると\n"
            "「データベース接続確立エラー」と表示され、ページが開きません。\n"
            "管理画面にもログインできない状態です。\n\n"
            "お忙しいところ恐縮ですが、至急ご確認いただけますでしょうか。\n\n"
            "--\n株式会社さくら書店\n田中 健\nTEL 03-5555-0192",
            charset="iso-2022-jp",
            transfer="7bit",
        ),
        Mail(
            "out",
            days(15, 8, 30),
            "田中様\n\nお問い合わせありがとうございます。CoolXost サポートの佐藤です。\n\n"
            "確認したところ、データベースの容量が上限（1GB）に達していたため、\n"
            "新しいデータを書き込めない状態になっておりました。\n"
            "一時的に上限を2GBに引き上げましたので、現在はサイトが正常に表示されます。\n\n"
            "不要なリビジョンやログを削除いただくか、プランの変更をご検討ください。\n\n"
            + signature("sato", "ja"),
            agent="sato",
        ),
        Mail(
            "in",
            days(15, 6),
            "佐藤様\n\n迅速なご対応ありがとうございました。\nサイトの表示を確認いたしました。\n"
            "不要なデータは今週中に整理いたします。\n\n田中",
            charset="iso-2022-jp",
            transfer="7bit",
        ),
    ),
)

SSL_RENEWAL = Thread(
    key="ja-ssl-renewal",
    customer="鈴木 美咲",
    address="misaki.suzuki@hanamizuki-cafe.jp",
    subject="SSL証明書の更新について",
    utc_offset_h=9,
    mails=(
        Mail(
            "in",
            days(11, 12),
            "CoolXost サポートご担当者様\n\nカフェはなみずきの鈴木と申します。\n"
            "SSL証明書の有効期限が来月で切れると通知メールが届きました。\n"
            "更新のために何か作業が必要でしょうか。また、費用はかかりますか。\n\n"
            "よろしくお願いいたします。\n鈴木",
        ),
        Mail(
            "out",
            days(11, 9),
            "鈴木様\n\nお問い合わせありがとうございます。\n\n"
            "ご利用中の証明書は無料の Let's Encrypt 証明書で、有効期限の30日前に自動で更新されます。\n"
            "お客様側での作業や費用は一切必要ございません。\n"
            "通知メールは有効期限のお知らせですので、ご安心ください。\n\n" + signature("sato", "ja"),
            agent="sato",
        ),
    ),
)

INVOICE_REISSUE = Thread(
    key="ja-invoice-reissue",
    customer="山本 大輔",
    address="d.yamamoto@yamamoto-seisakusho.co.jp",
    subject="請求書の再発行のお願い",
    utc_offset_h=9,
    mails=(
        Mail(
            "in",
            days(7, 7),
            "",
            html_only=True,
            html=(
                '<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8"></head>\n'
                '<body style="font-family: \'Meiryo UI\', sans-serif; font-size: 10.5pt;">\n'
                "<p>CoolXost 経理ご担当者様</p>\n"
                "<p>山本製作所の山本でございます。<br>\n"
                "先月分の請求書の宛名が旧社名（山本工業）になっておりました。<br>\n"
                '<span style="color:#c00000;">「株式会社山本製作所」</span>宛てで再発行をお願いできますでしょうか。</p>\n'
                "<p>お手数をおかけいたしますが、よろしくお願い申し上げます。</p>\n"
                '<hr style="border:none;border-top:1px solid #ccc;">\n'
                '<p style="font-size:9pt;color:#666;">株式会社山本製作所 総務部<br>山本 大輔</p>\n'
                "</body></html>"
            ),
        ),
        Mail(
            "out",
            days(6, 22),
            "山本様\n\nご連絡ありがとうございます。\n"
            "「株式会社山本製作所」宛てで請求書を再発行し、管理画面の「請求書」からダウンロードできるようにいたしました。\n"
            "今後の請求書も新しい社名で発行されます。\n\n" + signature("sato", "ja"),
            agent="sato",
        ),
    ),
)

DNS_HOWTO = Thread(
    key="ja-dns-howto",
    customer="小林 陽子",
    address="yoko.kobayashi@kobayashi-juku.jp",
    subject="DNSレコードの設定方法を教えてください",
    utc_offset_h=9,
    mails=(
        Mail(
            "in",
            days(2, 12),
            "お世話になっております。小林塾の小林です。\n\n"
            "Google Workspace を使い始めるため、MXレコードとTXTレコードを追加したいのですが、\n"
            "管理画面のどこから設定すればよいか分かりません。手順を教えていただけますか。\n\n小林",
            transfer="base64",
        ),
    ),
)

VPS_REBOOT_REQUEST = Thread(
    key="ja-vps-reboot",
    customer="伊藤 翔",
    address="sho.ito@ito-games.jp",
    subject="VPSの再起動をお願いします",
    utc_offset_h=9,
    mails=(
        Mail(
            "in",
            days(0, 3),
            "サポート担当者様\n\nvps-3310 がSSHでもコンソールでも応答しなくなりました。\n"
            "管理画面の再起動ボタンを押してもエラーになります。\n"
            "お手数ですが、サーバー側で強制再起動していただけないでしょうか。\n\n伊藤",
        ),
    ),
)

THREADS = (SITE_DOWN, SSL_RENEWAL, INVOICE_REISSUE, DNS_HOWTO, VPS_REBOOT_REQUEST)

"""Russian conversations in the CoolXost demo mailbox, in the charsets Russian mail really arrives in.

One customer writes from an old client in KOI8-R, one from Outlook in Windows-1251 (both with RFC 2047
encoded subjects and names in that charset), the rest in UTF-8 — quoted-printable and base64. Support answers
in UTF-8. All people, companies and addresses are invented.
"""

from __future__ import annotations

from gmail_emulator.seed_data.model import Mail, Thread, days, signature

THE_BAT = "The Bat! (v11.2.3) Professional"
OUTLOOK = "Microsoft Outlook 16.0"

NO_CONNECTIVITY = Thread(
    key="ru-no-connectivity",
    customer="Иван Петров",
    address="ivan.petrov@stroymarket.ru",
    subject="Нет связи с сервером",
    utc_offset_h=3,
    header_charset="koi8-r",
    x_mailer=THE_BAT,
    mails=(
        Mail(
            "in",
            days(17, 8),
            "Здравствуйте!\n\nС утра не можем подключиться к нашему серверу vps-1187: не открывается сайт\n"
            "stroymarket.ru, не работает SSH, пинг не проходит. Из офиса и с мобильного интернета\n"
            "одинаково. В панели сервер показан как \"работает\".\n\nПросьба срочно проверить, у нас\n"
            "остановились заказы.\n\n--\nИван Петров\nООО \"Строймаркет\", системный администратор\n"
            "+7 (495) 555-01-23",
            charset="koi8-r",
            transfer="8bit",
        ),
        Mail(
            "out",
            days(17, 7, 15),
            "Здравствуйте, Иван!\n\nПроверили: сервер работает, но сегодня утром на его внешнем интерфейсе\n"
            "включился фаервол с правилом, которое блокирует весь входящий трафик (судя по журналу,\n"
            "правило добавил скрипт автоматического обновления). Мы отключили это правило через\n"
            "консоль, сайт и SSH снова доступны.\n\nРекомендуем проверить настройки скрипта, чтобы\n"
            "ситуация не повторилась.\n\n" + signature("kristina", "ru"),
            agent="kristina",
        ),
        Mail(
            "in",
            days(17, 5),
            "Спасибо, всё работает. Скрипт нашли, поправили.\n\nИван",
            charset="koi8-r",
            transfer="8bit",
        ),
    ),
)

INVOICE_QUESTION = Thread(
    key="ru-invoice-question",
    customer="Ольга Смирнова",
    address="o.smirnova@tehnoplus.ru",
    subject="Вопрос по счёту № 2025-0588",
    utc_offset_h=3,
    header_charset="windows-1251",
    x_mailer=OUTLOOK,
    mails=(
        Mail(
            "in",
            days(10, 2),
            "Добрый день!\n\nВ счёте № 2025-0588 указана сумма 14 400 руб. за «VPS L», хотя по договору\n"
            "у нас скидка 15 %. Прошу выставить корректный счёт и закрывающие документы на\n"
            "ООО «Техноплюс», ИНН 7701234567.\n\nС уважением,\nОльга Смирнова\nглавный бухгалтер",
            charset="windows-1251",
            transfer="quoted-printable",
        ),
        Mail(
            "out",
            days(9, 20),
            "Добрый день, Ольга!\n\nВы правы, скидка не была применена при продлении тарифа. Мы аннулировали\n"
            "счёт № 2025-0588 и выставили новый, № 2025-0611, на сумму 12 240 руб. Закрывающие\n"
            "документы придут по ЭДО до конца месяца.\n\n" + signature("daniel", "ru"),
            agent="daniel",
        ),
    ),
)

VPS_REBOOT = Thread(
    key="ru-vps-reboot",
    customer="Алексей Кузнецов",
    address="alexey@devstudio.ru",
    subject="Перезагрузка VPS не помогает",
    utc_offset_h=3,
    mails=(
        Mail(
            "in",
            days(6, 4),
            "Добрый вечер.\n\nVPS vps-0932 (Ubuntu 22.04) раз в несколько часов перестаёт отвечать,\n"
            "помогает только перезагрузка из панели, и то ненадолго. В логах перед зависанием:\n\n"
            "  kernel: Out of memory: Killed process 2211 (java) total-vm:6291456kB\n\n"
            "Памяти 4 ГБ. Можно ли увеличить без переустановки?\n\nАлексей",
            transfer="base64",
        ),
        Mail(
            "out",
            days(6, 1),
            "Добрый вечер, Алексей!\n\nПамять можно увеличить без переустановки: в панели выберите тариф\n"
            "VPS L (8 ГБ), сервер перезагрузится один раз, данные сохранятся. Но по графикам видно, что\n"
            "Java-процесс занимает всю доступную память - рекомендуем ограничить его параметром -Xmx3g,\n"
            "иначе ситуация повторится и на 8 ГБ.\n\n" + signature("pavel", "ru"),
            agent="pavel",
        ),
    ),
)

MAIL_NOT_ARRIVING = Thread(
    key="ru-mail-domain",
    customer="Наталья Волкова",
    address="natalia@volkova-design.ru",
    subject="Не приходят письма на домен",
    utc_offset_h=3,
    mails=(
        Mail(
            "in",
            days(3, 6),
            "Здравствуйте.\n\nВторой день не приходят письма на адреса @volkova-design.ru. Отправители\n"
            "получают ответ \"550 5.1.1 User unknown\". Ящики в панели есть, пароли не меняли.\n\n"
            "Наталья",
        ),
        Mail(
            "out",
            days(3, 2),
            "Здравствуйте, Наталья!\n\nПосле переноса домена к другому регистратору MX-запись стала\n"
            "указывать на почтовый сервер регистратора, а не на наш. Укажите, пожалуйста, в DNS\n"
            "у регистратора запись MX 10 mx1.coolxost.com - письма начнут приходить в течение часа.\n\n"
            + signature("kristina", "ru"),
            agent="kristina",
        ),
        Mail(
            "in",
            days(2, 23),
            "Поменяла, письма пошли. Спасибо за быструю помощь!\n\nНаталья",
        ),
    ),
)

TWO_FACTOR_WISH = Thread(
    key="ru-feature-2fa",
    customer="Сергей Морозов",
    address="s.morozov@morozov-auto.ru",
    subject="Пожелание: двухфакторная авторизация в панели",
    utc_offset_h=5,
    mails=(
        Mail(
            "in",
            days(4, 1),
            "Добрый день!\n\nУ нас в панели работают три сотрудника, и хотелось бы включить вход\n"
            "по одноразовым кодам (TOTP) - как в банке. Планируете ли вы такую возможность?\n\n"
            "Сергей Морозов",
        ),
    ),
)

THREADS = (NO_CONNECTIVITY, INVOICE_QUESTION, VPS_REBOOT, MAIL_NOT_ARRIVING, TWO_FACTOR_WISH)

"""The customer-facing words of feedback, in English and Russian: the request mail and the page.

`pick(requested, accept_language, default)`: an explicit `?lang=` wins, then the browser's Accept-Language,
then the desk's language (HelpdeskSetting `language`), then English. Adding a language is adding a dict here.
"""

from __future__ import annotations

from werkzeug.datastructures import LanguageAccept

TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "subject": "How did we do? Ticket #{number}",
        "hello": "Hello",
        "intro": "we have finished working on your request #{number}. Did we help?",
        "you_wrote": "You wrote",
        "we_did": "We did",
        "satisfied": "Yes, I am satisfied",
        "not_satisfied": "No, I am not satisfied",
        "not_submitted": "I did not submit this request",
        "one_click": "One click is enough; each link works once, for {days} days.",
        "sms": "{helpdesk}: ticket #{number} is done. Satisfied? {satisfied} Not satisfied? {not_satisfied} "
               "Not your request? {not_submitted}",
        "page_title": "Your feedback",
        "your_answer": "Your answer",
        "comment": "Anything to add? (optional)",
        "send": "Send",
        "thanks": "Thank you! Your answer is recorded.",
        "thanks_phantom": "Thank you for telling us. The head of the team will look into this request.",
        "used": "This link has been used: an answer for this request is already recorded, and it cannot be changed.",
        "expired": "This link has expired. If you still want to tell us something, just reply to our mail.",
        "invalid": "This link is not valid. Please use the link from our mail exactly as it is.",
        "not_yet": "This request is not finished yet, so it cannot be rated now.",
        "stale": "The form has expired. Please open the link from our mail again.",
        "ticket": "Request #{number}",
        "agent": "You are signed in to Linedesk as an agent: only the customer can answer this request.",
    },
    "ru": {
        "subject": "Как мы справились? Заявка №{number}",
        "hello": "Здравствуйте",
        "intro": "мы закончили работу по вашей заявке №{number}. Мы вам помогли?",
        "you_wrote": "Вы написали",
        "we_did": "Мы сделали",
        "satisfied": "Да, я доволен",
        "not_satisfied": "Нет, я не доволен",
        "not_submitted": "Я не оставлял эту заявку",
        "one_click": "Достаточно одного нажатия; каждая ссылка работает один раз, {days} дней.",
        "sms": "{helpdesk}: заявка №{number} выполнена. Довольны? {satisfied} Не довольны? {not_satisfied} "
               "Не ваша заявка? {not_submitted}",
        "page_title": "Ваш отзыв",
        "your_answer": "Ваш ответ",
        "comment": "Хотите что-то добавить? (необязательно)",
        "send": "Отправить",
        "thanks": "Спасибо! Ваш ответ записан.",
        "thanks_phantom": "Спасибо, что сообщили. Руководитель команды разберётся с этой заявкой.",
        "used": "Эта ссылка уже использована: ответ по этой заявке записан, и изменить его нельзя.",
        "expired": "Срок действия ссылки истёк. Если хотите что-то сообщить, просто ответьте на наше письмо.",
        "invalid": "Ссылка недействительна. Откройте ссылку из нашего письма без изменений.",
        "not_yet": "Работа по этой заявке ещё не закончена, оценить её пока нельзя.",
        "stale": "Форма устарела. Откройте ссылку из нашего письма ещё раз.",
        "ticket": "Заявка №{number}",
        "agent": "Вы вошли в Linedesk как сотрудник: ответить на эту заявку может только клиент.",
    },
}
LANGUAGES = tuple(TEXTS)
DEFAULT = "en"


def pick(requested: str | None, accept: LanguageAccept | None = None, default: str | None = None) -> str:
    if requested and requested.lower()[:2] in TEXTS:
        return requested.lower()[:2]
    if accept is not None:
        best = accept.best_match(LANGUAGES)
        if best:
            return best
    return default if default in TEXTS else DEFAULT


def texts(lang: str) -> dict[str, str]:
    return TEXTS.get(lang, TEXTS[DEFAULT])

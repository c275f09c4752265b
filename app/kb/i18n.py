"""The words of the public knowledge-base pages, in English and Russian."""

from __future__ import annotations

TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "site": "Help centre", "search": "Search", "search_placeholder": "Search the help centre",
        "results": "Results for “{q}”", "none": "Nothing found. Try other words, or write to us: a person will answer.",
        "helped": "Did this help?", "yes": "Yes", "no": "No", "thanks_vote": "Thank you! Your answer is counted.",
        "voted": "You have already answered for this article.", "other_language": "По-русски",
        "contact": "Still need help? Write to us and a person will answer.", "updated": "Updated",
        "solved_title": "Did the article solve your problem?", "solved_button": "Yes, it solved it — close my request",
        "solved_note": "If it did not, just reply to our mail: a person from our team will answer.",
        "solved_done": "Thank you! Your request #{number} is closed. If anything else comes up, just reply to our mail.",
        "link_invalid": "This link is not valid.", "link_expired": "This link has expired; just reply to our mail.",
        "link_used": "Your request #{number} is already being handled: just reply to our mail to add anything.",
        "stale": "The form was out of date; please try again.", "not_found": "No such article.",
        "uncategorised": "Other",
    },
    "ru": {
        "site": "Центр помощи", "search": "Найти", "search_placeholder": "Поиск по центру помощи",
        "results": "Найдено по запросу «{q}»",
        "none": "Ничего не найдено. Попробуйте другие слова или напишите нам — ответит сотрудник.",
        "helped": "Статья помогла?", "yes": "Да", "no": "Нет", "thanks_vote": "Спасибо! Ваш ответ учтён.",
        "voted": "Вы уже ответили по этой статье.", "other_language": "In English",
        "contact": "Нужна помощь? Напишите нам — ответит сотрудник поддержки.", "updated": "Обновлено",
        "solved_title": "Статья решила ваш вопрос?", "solved_button": "Да, вопрос решён — закрыть обращение",
        "solved_note": "Если нет — просто ответьте на наше письмо: ответит сотрудник поддержки.",
        "solved_done": "Спасибо! Обращение №{number} закрыто. Если появятся вопросы, просто ответьте на наше письмо.",
        "link_invalid": "Ссылка недействительна.", "link_expired": "Срок действия ссылки истёк — просто ответьте на наше письмо.",
        "link_used": "Обращением №{number} уже занимаются — просто ответьте на наше письмо.",
        "stale": "Форма устарела, попробуйте ещё раз.", "not_found": "Такой статьи нет.",
        "uncategorised": "Другое",
    },
}


def texts(lang: str) -> dict[str, str]:
    return TEXTS.get(lang, TEXTS["en"])

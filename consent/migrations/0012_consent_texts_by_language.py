"""Consent texts in every language: the banner and the cookie policy page's introduction
(``ConsentText``, one row per language, with its text version), category names and
descriptions (``CategoryText``) and declared cookies' purposes and lifetimes
(``CookieText``) outside the default language; each record keeps the language and text
version the visitor saw.

The texts the site ships with are written here in the eight languages of ``LANGUAGES``
(translated for a privacy notice: one formal register per language, the same terms
throughout), for the categories and the site's own cookies as they exist now. The banner
text privacy staff may have edited moves from ``PolicySettings`` to the default
language's row. The Privacy group may edit all of it.
"""

import re

import django.db.models.deletion
from django.conf import settings
from django.contrib.auth.management import create_permissions
from django.db import migrations, models

import consent.models

DEFAULT_BANNER = (
    "We use cookies to personalize content and marketing, and to analyze our traffic. "
    "This helps us maintain the quality of our free resources. Manage your preferences "
    "below."
)

BANNER = {
    "de": "Wir verwenden Cookies, um Inhalte und Werbung zu personalisieren und die Nutzung "
    "unserer Website zu analysieren. Das hilft uns, die Qualität unserer kostenlosen Angebote "
    "zu sichern. Ihre Einstellungen können Sie unten festlegen.",
    "fr": "Nous utilisons des cookies pour personnaliser les contenus et la publicité, et pour "
    "analyser la fréquentation de notre site. Cela nous aide à maintenir la qualité de nos "
    "ressources gratuites. Vous pouvez gérer vos préférences ci-dessous.",
    "es": "Utilizamos cookies para personalizar el contenido y la publicidad, y para analizar "
    "el tráfico de nuestro sitio. Esto nos ayuda a mantener la calidad de nuestros recursos "
    "gratuitos. Puede gestionar sus preferencias a continuación.",
    "it": "Utilizziamo i cookie per personalizzare contenuti e pubblicità e per analizzare il "
    "traffico del nostro sito. Questo ci aiuta a mantenere la qualità delle nostre risorse "
    "gratuite. Può gestire le sue preferenze qui sotto.",
    "nl": "Wij gebruiken cookies om inhoud en marketing te personaliseren en om het verkeer op "
    "onze website te analyseren. Zo kunnen wij de kwaliteit van onze gratis informatie op peil "
    "houden. Hieronder kunt u uw voorkeuren beheren.",
    "pl": "Używamy plików cookie, aby personalizować treści i działania marketingowe oraz "
    "analizować ruch w naszym serwisie. Pomaga nam to utrzymać jakość naszych bezpłatnych "
    "materiałów. Poniżej mogą Państwo zarządzać swoimi preferencjami.",
    "ar": "نستخدم ملفات تعريف الارتباط لتخصيص المحتوى والتسويق، ولتحليل حركة الزيارات على "
    "موقعنا. يساعدنا ذلك في الحفاظ على جودة مواردنا المجانية. يمكنكم إدارة تفضيلاتكم أدناه.",
}

PAGE = {
    "en-gb": "Cookies are small files saved on your device. Strictly necessary cookies make "
    "this site work and are always on. The other categories are off until you switch them "
    "on, and you can change your mind here at any time: switching a category off takes effect "
    "at once and removes its cookies.",
    "de": "Cookies sind kleine Dateien, die auf Ihrem Gerät gespeichert werden. Unbedingt "
    "erforderliche Cookies sorgen dafür, dass diese Website funktioniert, und sind immer "
    "aktiv. Die übrigen Kategorien bleiben ausgeschaltet, bis Sie sie einschalten, und Sie "
    "können Ihre Entscheidung hier jederzeit ändern: Wenn Sie eine Kategorie ausschalten, "
    "wirkt das sofort, und ihre Cookies werden entfernt.",
    "fr": "Les cookies sont de petits fichiers enregistrés sur votre appareil. Les cookies "
    "strictement nécessaires assurent le fonctionnement de ce site et sont toujours actifs. "
    "Les autres catégories restent désactivées tant que vous ne les activez pas, et vous "
    "pouvez modifier votre choix ici à tout moment : la désactivation d’une catégorie prend "
    "effet immédiatement et supprime ses cookies.",
    "es": "Las cookies son pequeños archivos que se guardan en su dispositivo. Las cookies "
    "estrictamente necesarias hacen que este sitio funcione y están siempre activas. Las "
    "demás categorías permanecen desactivadas hasta que usted las active, y puede cambiar de "
    "opinión aquí en cualquier momento: al desactivar una categoría, el cambio se aplica de "
    "inmediato y se eliminan sus cookies.",
    "it": "I cookie sono piccoli file salvati sul suo dispositivo. I cookie strettamente "
    "necessari consentono il funzionamento di questo sito e sono sempre attivi. Le altre "
    "categorie restano disattivate finché non è lei ad attivarle, e può cambiare idea qui in "
    "qualsiasi momento: la disattivazione di una categoria ha effetto immediato e ne rimuove "
    "i cookie.",
    "nl": "Cookies zijn kleine bestanden die op uw apparaat worden opgeslagen. Strikt "
    "noodzakelijke cookies zorgen ervoor dat deze website werkt en staan altijd aan. De andere "
    "categorieën staan uit totdat u ze inschakelt, en u kunt uw keuze hier altijd wijzigen: "
    "een categorie uitschakelen werkt direct en verwijdert de bijbehorende cookies.",
    "pl": "Pliki cookie to niewielkie pliki zapisywane na Państwa urządzeniu. Niezbędne pliki "
    "cookie zapewniają działanie serwisu i są zawsze włączone. Pozostałe kategorie są "
    "wyłączone, dopóki Państwo ich nie włączą, a swoją decyzję mogą Państwo tutaj w każdej "
    "chwili zmienić: wyłączenie kategorii działa natychmiast i usuwa jej pliki cookie.",
    "ar": "ملفات تعريف الارتباط ملفات صغيرة تُحفَظ على جهازكم. تضمن ملفات تعريف الارتباط "
    "الضرورية للغاية عمل هذا الموقع، وهي مفعّلة دائمًا. أما الفئات الأخرى فتبقى معطّلة إلى أن "
    "تفعّلوها، ويمكنكم تغيير اختياركم هنا في أي وقت: يسري تعطيل أي فئة فورًا وتُحذَف ملفات "
    "تعريف الارتباط الخاصة بها.",
}

# varname -> language -> (name, description)
CATEGORIES = {
    "necessary": {
        "de": (
            "Unbedingt erforderlich",
            "Diese Cookies sind für den Betrieb der Website nötig und können nicht "
            "ausgeschaltet werden: Sie schützen Formulare vor Fälschung, speichern Ihre "
            "Cookie-Einstellungen und halten – nur für Mitarbeitende – die Anmeldung aufrecht.",
        ),
        "fr": (
            "Strictement nécessaires",
            "Ces cookies sont indispensables au fonctionnement du site et ne peuvent pas être "
            "désactivés : ils protègent les formulaires contre la falsification, mémorisent vos "
            "choix en matière de cookies et, pour l’équipe éditoriale uniquement, maintiennent "
            "la connexion.",
        ),
        "es": (
            "Estrictamente necesarias",
            "Estas cookies hacen que el sitio funcione y no se pueden desactivar: protegen los "
            "formularios contra la falsificación, recuerdan sus preferencias de cookies y, solo "
            "para el personal, mantienen la sesión iniciada.",
        ),
        "it": (
            "Strettamente necessari",
            "Questi cookie consentono il funzionamento del sito e non possono essere "
            "disattivati: proteggono i moduli dalla falsificazione, ricordano le sue scelte sui "
            "cookie e, solo per il personale, mantengono l’accesso.",
        ),
        "nl": (
            "Strikt noodzakelijk",
            "Deze cookies zijn nodig om de website te laten werken en kunnen niet worden "
            "uitgeschakeld: ze beschermen formulieren tegen vervalsing, onthouden uw "
            "cookievoorkeuren en houden, alleen voor medewerkers, de aanmelding actief.",
        ),
        "pl": (
            "Niezbędne",
            "Te pliki cookie są konieczne do działania serwisu i nie można ich wyłączyć: "
            "chronią formularze przed fałszowaniem, zapamiętują Państwa wybór dotyczący plików "
            "cookie oraz – wyłącznie w przypadku pracowników – utrzymują zalogowanie.",
        ),
        "ar": (
            "ضرورية للغاية",
            "هذه الملفات لازمة لعمل الموقع ولا يمكن تعطيلها: فهي تحمي النماذج من التزوير، "
            "وتحفظ اختياراتكم بشأن ملفات تعريف الارتباط، وتُبقي فريق العمل وحده مسجَّلًا للدخول.",
        ),
    },
    "analytics": {
        "de": (
            "Analyse",
            "Analyse-Cookies helfen uns zu verstehen, wie Besucherinnen und Besucher unsere "
            "Website nutzen, damit wir Benutzerfreundlichkeit und Leistung der Website "
            "verbessern können.",
        ),
        "fr": (
            "Mesure d’audience",
            "Les cookies de mesure d’audience nous aident à comprendre comment les visiteurs "
            "utilisent notre site, afin d’améliorer l’expérience utilisateur et les "
            "performances du site.",
        ),
        "es": (
            "Analíticas",
            "Las cookies analíticas nos ayudan a entender cómo interactúan los visitantes con "
            "nuestro sitio web, para mejorar la experiencia de uso y el rendimiento del sitio.",
        ),
        "it": (
            "Statistici",
            "I cookie statistici ci aiutano a capire come i visitatori interagiscono con il "
            "nostro sito, per migliorare l’esperienza d’uso e le prestazioni del sito.",
        ),
        "nl": (
            "Analytisch",
            "Analytische cookies helpen ons te begrijpen hoe bezoekers onze website gebruiken, "
            "zodat wij de gebruikservaring en de prestaties van de website kunnen verbeteren.",
        ),
        "pl": (
            "Analityczne",
            "Analityczne pliki cookie pomagają nam zrozumieć, w jaki sposób odwiedzający "
            "korzystają z naszego serwisu, co pozwala nam poprawiać jego wygodę użytkowania i "
            "wydajność.",
        ),
        "ar": (
            "التحليلات",
            "تساعدنا ملفات تعريف الارتباط التحليلية على فهم طريقة تفاعل الزوار مع موقعنا، بما "
            "يسهم في تحسين تجربة الاستخدام وأداء الموقع.",
        ),
    },
    "personalization": {
        "de": (
            "Personalisierung",
            "Personalisierungs-Cookies ermöglichen es uns, Inhalte und Funktionen unserer "
            "Website anhand Ihrer Nutzung anzupassen und Ihnen so ein besser auf Sie "
            "zugeschnittenes Angebot zu bieten.",
        ),
        "fr": (
            "Personnalisation",
            "Les cookies de personnalisation nous permettent d’adapter le contenu et les "
            "fonctionnalités de notre site en fonction de vos interactions, pour vous offrir une "
            "expérience plus adaptée.",
        ),
        "es": (
            "Personalización",
            "Las cookies de personalización nos permiten adaptar el contenido y las funciones de "
            "nuestro sitio según sus interacciones, para ofrecerle una experiencia más ajustada "
            "a usted.",
        ),
        "it": (
            "Personalizzazione",
            "I cookie di personalizzazione ci permettono di adattare i contenuti e le funzioni "
            "del nostro sito in base alle sue interazioni, offrendole un’esperienza più su "
            "misura.",
        ),
        "nl": (
            "Personalisatie",
            "Personalisatiecookies stellen ons in staat de inhoud en functies van onze website "
            "aan te passen op basis van uw gebruik, zodat u een meer op u afgestemde ervaring "
            "krijgt.",
        ),
        "pl": (
            "Personalizacja",
            "Pliki cookie personalizacji pozwalają nam dostosowywać treści i funkcje serwisu na "
            "podstawie Państwa aktywności, aby zapewnić lepiej dopasowane doświadczenie.",
        ),
        "ar": (
            "التخصيص",
            "تتيح لنا ملفات تعريف الارتباط الخاصة بالتخصيص مواءمة محتوى موقعنا وميزاته وفقًا "
            "لتفاعلاتكم، لنقدّم لكم تجربة أكثر ملاءمة لاحتياجاتكم.",
        ),
    },
    "marketing": {
        "de": (
            "Marketing",
            "Damit finanzieren wir unsere kostenlosen Angebote mit personalisierter Werbung "
            "und Aktionen.",
        ),
        "fr": (
            "Marketing",
            "Ces cookies contribuent au financement de nos ressources gratuites grâce à des "
            "actions marketing et des promotions personnalisées.",
        ),
        "es": (
            "Marketing",
            "Estas cookies ayudan a financiar nuestros recursos gratuitos mediante acciones de "
            "marketing y promociones personalizadas.",
        ),
        "it": (
            "Marketing",
            "Questi cookie contribuiscono a sostenere le nostre risorse gratuite attraverso "
            "attività di marketing e promozioni personalizzate.",
        ),
        "nl": (
            "Marketing",
            "Hiermee ondersteunen wij onze gratis informatie via gepersonaliseerde marketing en "
            "aanbiedingen.",
        ),
        "pl": (
            "Marketingowe",
            "Pomagają one finansować nasze bezpłatne materiały dzięki spersonalizowanym "
            "działaniom marketingowym i promocjom.",
        ),
        "ar": (
            "التسويق",
            "تساعد هذه الملفات في دعم مواردنا المجانية من خلال أنشطة تسويقية وعروض ترويجية مخصّصة.",
        ),
    },
}

# The purposes of the cookies and storage keys the site itself declares, by name.
PURPOSES = {
    settings.CSRF_COOKIE_NAME: {
        "de": "Schützt die Formulare dieser Website (auch Ihre Cookie-Einstellungen) vor "
        "website-übergreifender Anfragenfälschung (CSRF).",
        "fr": "Protège les formulaires de ce site (y compris vos choix en matière de cookies) "
        "contre la falsification de requête intersite (CSRF).",
        "es": "Protege los formularios de este sitio (incluidas sus preferencias de cookies) "
        "contra la falsificación de peticiones en sitios cruzados (CSRF).",
        "it": "Protegge i moduli di questo sito (comprese le sue scelte sui cookie) dalla "
        "falsificazione di richieste tra siti (CSRF).",
        "nl": "Beschermt de formulieren op deze website (ook uw cookievoorkeuren) tegen "
        "cross-site request forgery (CSRF).",
        "pl": "Chroni formularze w serwisie (w tym Państwa wybór dotyczący plików cookie) przed "
        "fałszowaniem żądań między witrynami (CSRF).",
        "ar": "يحمي النماذج في هذا الموقع (بما فيها اختياراتكم بشأن ملفات تعريف الارتباط) من "
        "تزوير الطلبات عبر المواقع (CSRF).",
    },
    settings.COOKIE_CONSENT_NAME: {
        "de": "Speichert, welche Cookie-Kategorien Sie erlaubt oder abgelehnt haben, damit wir "
        "Sie nicht auf jeder Seite erneut fragen.",
        "fr": "Mémorise les catégories de cookies que vous avez acceptées ou refusées, afin de "
        "ne pas vous redemander votre choix sur chaque page.",
        "es": "Recuerda qué categorías de cookies ha permitido o rechazado, para no volver a "
        "preguntarle en cada página.",
        "it": "Ricorda quali categorie di cookie ha accettato o rifiutato, per non chiederglielo "
        "di nuovo a ogni pagina.",
        "nl": "Onthoudt welke cookiecategorieën u hebt toegestaan of geweigerd, zodat wij het u "
        "niet op elke pagina opnieuw vragen.",
        "pl": "Zapamiętuje, na które kategorie plików cookie Państwo zezwolili, a które "
        "odrzucili, abyśmy nie pytali ponownie na każdej stronie.",
        "ar": "يحفظ فئات ملفات تعريف الارتباط التي سمحتم بها أو رفضتموها، حتى لا نسألكم مجددًا "
        "في كل صفحة.",
    },
    settings.SESSION_COOKIE_NAME: {
        "de": "Hält Mitarbeitende im Redaktionsbereich angemeldet. Wird für Leserinnen und "
        "Leser nicht gesetzt.",
        "fr": "Maintient la connexion de l’équipe à l’espace de rédaction. N’est pas déposé "
        "pour les lecteurs.",
        "es": "Mantiene la sesión del personal en el área de edición. No se instala para los "
        "lectores.",
        "it": "Mantiene l’accesso del personale all’area di redazione. Non viene impostato per "
        "i lettori.",
        "nl": "Houdt medewerkers aangemeld in de redactieomgeving. Wordt niet geplaatst voor "
        "lezers.",
        "pl": "Utrzymuje zalogowanie pracowników w panelu redakcyjnym. Nie jest zapisywany u "
        "czytelników.",
        "ar": "يُبقي فريق العمل مسجَّلًا للدخول في قسم التحرير. لا يُضبط للقرّاء.",
    },
    "messages": {
        "de": "Überträgt eine einmalige Bestätigungsmeldung (zum Beispiel „gespeichert“) auf "
        "die nächste Seite im Redaktionsbereich. Wird für Leserinnen und Leser nicht gesetzt.",
        "fr": "Transmet un message de confirmation ponctuel (par exemple « enregistré ») à la "
        "page suivante de l’espace de rédaction. N’est pas déposé pour les lecteurs.",
        "es": "Lleva un mensaje de confirmación puntual (por ejemplo, «guardado») a la página "
        "siguiente del área de edición. No se instala para los lectores.",
        "it": "Trasmette un messaggio di conferma una tantum (ad esempio «salvato») alla pagina "
        "successiva dell’area di redazione. Non viene impostato per i lettori.",
        "nl": "Geeft een eenmalige bevestiging (bijvoorbeeld ‘opgeslagen’) door aan de volgende "
        "pagina in de redactieomgeving. Wordt niet geplaatst voor lezers.",
        "pl": "Przekazuje jednorazowy komunikat potwierdzający (np. „zapisano”) na następną "
        "stronę panelu redakcyjnego. Nie jest zapisywany u czytelników.",
        "ar": "ينقل رسالة تأكيد لمرة واحدة (مثل «تم الحفظ») إلى الصفحة التالية في قسم التحرير. "
        "لا يُضبط للقرّاء.",
    },
    "glossary.recent": {
        "de": "Merkt sich – nur in Ihrem Browser – die zuletzt gelesenen Begriffe, um sie auf "
        "der Startseite zusammen mit Lesevorschlägen anzuzeigen. Wird nie an uns übermittelt.",
        "fr": "Mémorise, dans votre navigateur uniquement, les derniers termes que vous avez "
        "consultés sur ce site, afin de les afficher sur la page d’accueil avec des suggestions "
        "de lecture. N’est jamais transmis à nos serveurs.",
        "es": "Recuerda, solo en su navegador, los últimos términos que ha consultado en este "
        "sitio, para mostrarlos en la página de inicio junto con sugerencias de lectura. Nunca "
        "se nos envía.",
        "it": "Ricorda, solo nel suo browser, gli ultimi termini consultati su questo sito, per "
        "mostrarli nella pagina iniziale insieme a suggerimenti di lettura. Non ci viene mai "
        "inviato.",
        "nl": "Onthoudt, alleen in uw browser, de laatste begrippen die u op deze website hebt "
        "gelezen, om ze op de startpagina te tonen, samen met leessuggesties. Wordt nooit naar "
        "ons verzonden.",
        "pl": "Zapamiętuje – wyłącznie w Państwa przeglądarce – ostatnio czytane hasła, aby "
        "pokazać je na stronie głównej wraz z propozycjami dalszej lektury. Nigdy nie jest do "
        "nas przesyłany.",
        "ar": "يحفظ، في متصفحكم فقط، آخر المصطلحات التي قرأتموها على هذا الموقع، لعرضها في "
        "الصفحة الرئيسية مع اقتراحات للقراءة. لا يُرسَل إلينا أبدًا.",
    },
}

# Lifetimes: whole phrases, then "N days/weeks/years[, or until you sign out]".
LIFETIME_PHRASES = {
    "Until the next page is shown": {
        "de": "Bis zum Aufruf der nächsten Seite",
        "fr": "Jusqu’à l’affichage de la page suivante",
        "es": "Hasta que se muestra la página siguiente",
        "it": "Fino alla visualizzazione della pagina successiva",
        "nl": "Tot de volgende pagina wordt getoond",
        "pl": "Do wyświetlenia następnej strony",
        "ar": "حتى عرض الصفحة التالية",
    },
    "Until you withdraw personalization or clear this site's data": {
        "de": "Bis Sie die Einwilligung zur Personalisierung widerrufen oder die Daten dieser "
        "Website löschen",
        "fr": "Jusqu’au retrait de votre consentement à la personnalisation ou à la suppression "
        "des données de ce site",
        "es": "Hasta que retire su consentimiento a la personalización o borre los datos de este "
        "sitio",
        "it": "Fino alla revoca del consenso alla personalizzazione o alla cancellazione dei "
        "dati di questo sito",
        "nl": "Totdat u uw toestemming voor personalisatie intrekt of de gegevens van deze "
        "website wist",
        "pl": "Do wycofania zgody na personalizację lub usunięcia danych tego serwisu",
        "ar": "إلى أن تسحبوا موافقتكم على التخصيص أو تحذفوا بيانات هذا الموقع",
    },
}
UNTIL_SIGN_OUT = {
    "de": ", oder bis Sie sich abmelden",
    "fr": ", ou jusqu’à votre déconnexion",
    "es": ", o hasta que cierre la sesión",
    "it": ", o fino alla disconnessione",
    "nl": ", of totdat u zich afmeldt",
    "pl": " lub do wylogowania",
    "ar": "، أو حتى تسجيل الخروج",
}
# language -> unit -> forms: (one, other) or Polish (one, few, many) or Arabic
# (one, two, few 3-10, many 11-99, other 100+).
UNITS = {
    "de": {
        "day": ("1 Tag", "{n} Tage"),
        "week": ("1 Woche", "{n} Wochen"),
        "year": ("1 Jahr", "{n} Jahre"),
    },
    "fr": {
        "day": ("1 jour", "{n} jours"),
        "week": ("1 semaine", "{n} semaines"),
        "year": ("1 an", "{n} ans"),
    },
    "es": {
        "day": ("1 día", "{n} días"),
        "week": ("1 semana", "{n} semanas"),
        "year": ("1 año", "{n} años"),
    },
    "it": {
        "day": ("1 giorno", "{n} giorni"),
        "week": ("1 settimana", "{n} settimane"),
        "year": ("1 anno", "{n} anni"),
    },
    "nl": {
        "day": ("1 dag", "{n} dagen"),
        "week": ("1 week", "{n} weken"),
        "year": ("1 jaar", "{n} jaar"),
    },
    "pl": {
        "day": ("1 dzień", "{n} dni", "{n} dni"),
        "week": ("1 tydzień", "{n} tygodnie", "{n} tygodni"),
        "year": ("1 rok", "{n} lata", "{n} lat"),
    },
    "ar": {
        "day": ("يوم واحد", "يومان", "{n} أيام", "{n} يومًا", "{n} يوم"),
        "week": ("أسبوع واحد", "أسبوعان", "{n} أسابيع", "{n} أسبوعًا", "{n} أسبوع"),
        "year": ("سنة واحدة", "سنتان", "{n} سنوات", "{n} سنة", "{n} سنة"),
    },
}
_DURATION = re.compile(r"^(\d+) (day|week|year)s?(, or until you sign out)?$")


def _form(language, forms, n):
    if language == "pl":
        if n == 1:
            return forms[0]
        few = n % 10 in (2, 3, 4) and n % 100 not in (12, 13, 14)
        return forms[1] if few else forms[2]
    if language == "ar":
        if n in (1, 2):
            return forms[n - 1]
        if 3 <= n % 100 <= 10:
            return forms[2]
        return forms[3] if 11 <= n % 100 <= 99 else forms[4]
    return forms[0] if n == 1 else forms[1]


def translated_lifetime(english, language):
    """The lifetime in ``language``; "" when it is not one the site ships with."""
    if english in LIFETIME_PHRASES:
        return LIFETIME_PHRASES[english][language]
    match = _DURATION.match(english)
    if not match:
        return ""
    n, unit, sign_out = int(match[1]), match[2], match[3]
    text = _form(language, UNITS[language][unit], n).format(n=n)
    return text + (UNTIL_SIGN_OUT[language] if sign_out else "")


def ship_texts(apps, schema_editor):
    ConsentText = apps.get_model("consent", "ConsentText")
    CategoryText = apps.get_model("consent", "CategoryText")
    CookieText = apps.get_model("consent", "CookieText")
    PolicySettings = apps.get_model("consent", "PolicySettings")
    CookieGroup = apps.get_model("cookie_consent", "CookieGroup")
    Cookie = apps.get_model("cookie_consent", "Cookie")
    CookieDetails = apps.get_model("consent", "CookieDetails")
    default = settings.LANGUAGE_CODE
    policy = PolicySettings.objects.filter(pk=1).first()
    # The banner text privacy staff may have edited (the field goes after this step).
    edited_banner = getattr(policy, "banner_text", "") or DEFAULT_BANNER
    rows = {}
    for language, _name in settings.LANGUAGES:
        banner = edited_banner if language == default else BANNER.get(language, "")
        page = PAGE["en-gb"] if language == default else PAGE.get(language, "")
        rows[language], _ = ConsentText.objects.get_or_create(
            language=language, defaults={"banner_text": banner, "page_text": page}
        )
    for group in CookieGroup.objects.filter(varname__in=list(CATEGORIES)):
        for language, (name, description) in CATEGORIES[group.varname].items():
            if language in rows and language != default:
                CategoryText.objects.get_or_create(
                    texts=rows[language],
                    category=group,
                    defaults={"name": name, "description": description},
                )
    lifetimes = dict(CookieDetails.objects.values_list("cookie_id", "lifetime"))
    for cookie in Cookie.objects.filter(
        name__in=list(PURPOSES), cookiegroup__varname__in=list(CATEGORIES)
    ):
        for language, purpose in PURPOSES[cookie.name].items():
            if language in rows and language != default:
                CookieText.objects.get_or_create(
                    texts=rows[language],
                    cookie=cookie,
                    defaults={
                        "purpose": purpose,
                        "lifetime": translated_lifetime(lifetimes.get(cookie.pk, ""), language),
                    },
                )


def privacy_group_edits_texts(apps, schema_editor):
    app_config = apps.get_app_config("consent")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    group = apps.get_model("auth", "Group").objects.filter(name="Privacy").first()
    if group is None:
        return
    Permission = apps.get_model("auth", "Permission")
    group.permissions.add(
        *Permission.objects.filter(
            content_type__app_label="consent",
            codename__in=[
                f"{action}_{model}"
                for model in ("consenttext", "categorytext", "cookietext")
                for action in ("add", "change", "delete", "view")
            ],
        )
    )


class Migration(migrations.Migration):
    dependencies = [
        ("consent", "0011_consent_history"),
        ("cookie_consent", "0004_cookie_natural_key"),
        # Its "Recently viewed" storage key is one of the declarations translated here.
        ("glossary", "0008_recent_storage"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.CreateModel(
            name="ConsentText",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "language",
                    models.CharField(
                        choices=consent.models.language_choices,
                        max_length=10,
                        unique=True,
                        verbose_name="language",
                    ),
                ),
                (
                    "banner_text",
                    models.TextField(
                        blank=True,
                        help_text="Plain text shown in the cookie banner; blank lines make paragraphs.",
                        verbose_name="banner text",
                    ),
                ),
                (
                    "page_text",
                    models.TextField(
                        blank=True,
                        help_text="Plain text at the top of the cookie policy page (/cookies/).",
                        verbose_name="cookie policy introduction",
                    ),
                ),
                (
                    "text_version",
                    models.PositiveIntegerField(
                        default=1,
                        editable=False,
                        help_text="Raised by each material change of this language's texts.",
                        verbose_name="text version",
                    ),
                ),
                (
                    "materially_changed_at",
                    models.DateTimeField(
                        blank=True, editable=False, null=True, verbose_name="last material change"
                    ),
                ),
            ],
            options={
                "verbose_name": "consent texts in a language",
                "verbose_name_plural": "consent texts by language",
                "ordering": ["pk"],
            },
        ),
        migrations.AddField(
            model_name="consentrecord",
            name="language",
            field=models.CharField(blank=True, max_length=10, verbose_name="language"),
        ),
        migrations.AddField(
            model_name="consentrecord",
            name="text_version",
            field=models.PositiveIntegerField(blank=True, null=True, verbose_name="text version"),
        ),
        migrations.CreateModel(
            name="CategoryText",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("name", models.CharField(blank=True, max_length=100, verbose_name="name")),
                ("description", models.TextField(blank=True, verbose_name="description")),
                (
                    "category",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="texts",
                        to="cookie_consent.cookiegroup",
                        verbose_name="category",
                    ),
                ),
                (
                    "texts",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="categories",
                        to="consent.consenttext",
                        verbose_name="language",
                    ),
                ),
            ],
            options={
                "verbose_name": "category text",
                "verbose_name_plural": "category texts",
                "ordering": ["category__ordering", "category_id"],
                "constraints": [
                    models.UniqueConstraint(fields=("texts", "category"), name="category_text_once")
                ],
            },
        ),
        migrations.CreateModel(
            name="CookieText",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("purpose", models.TextField(blank=True, verbose_name="purpose")),
                ("lifetime", models.CharField(blank=True, max_length=200, verbose_name="lifetime")),
                (
                    "cookie",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="texts",
                        to="cookie_consent.cookie",
                        verbose_name="cookie",
                    ),
                ),
                (
                    "texts",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="cookies",
                        to="consent.consenttext",
                        verbose_name="language",
                    ),
                ),
            ],
            options={
                "verbose_name": "cookie text",
                "verbose_name_plural": "cookie texts",
                "ordering": ["cookie__cookiegroup__ordering", "cookie__name"],
                "constraints": [
                    models.UniqueConstraint(fields=("texts", "cookie"), name="cookie_text_once")
                ],
            },
        ),
        migrations.RunPython(ship_texts, migrations.RunPython.noop),
        migrations.RunPython(privacy_group_edits_texts, migrations.RunPython.noop),
        migrations.RemoveField(
            model_name="policysettings",
            name="banner_text",
        ),
    ]

"""India's states and union territories, by the two-letter codes of the dashboard's map (the ids of
the `@svg-maps/india` regions, static/vendor/svg-maps-india/india.svg): a unit (a telecom or postal
circle) names the state it serves with `Department.state_code`."""

from django.utils.translation import gettext_lazy as _

STATES = {
    "an": _("Andaman and Nicobar Islands"),
    "ap": _("Andhra Pradesh"),
    "ar": _("Arunachal Pradesh"),
    "as": _("Assam"),
    "br": _("Bihar"),
    "ch": _("Chandigarh"),
    "ct": _("Chhattisgarh"),
    "dn": _("Dadra and Nagar Haveli"),
    "dd": _("Daman and Diu"),
    "dl": _("Delhi"),
    "ga": _("Goa"),
    "gj": _("Gujarat"),
    "hr": _("Haryana"),
    "hp": _("Himachal Pradesh"),
    "jk": _("Jammu and Kashmir"),
    "jh": _("Jharkhand"),
    "ka": _("Karnataka"),
    "kl": _("Kerala"),
    "ld": _("Lakshadweep"),
    "mp": _("Madhya Pradesh"),
    "mh": _("Maharashtra"),
    "mn": _("Manipur"),
    "ml": _("Meghalaya"),
    "mz": _("Mizoram"),
    "nl": _("Nagaland"),
    "or": _("Odisha"),
    "py": _("Puducherry"),
    "pb": _("Punjab"),
    "rj": _("Rajasthan"),
    "sk": _("Sikkim"),
    "tn": _("Tamil Nadu"),
    "tg": _("Telangana"),
    "tr": _("Tripura"),
    "up": _("Uttar Pradesh"),
    "ut": _("Uttarakhand"),
    "wb": _("West Bengal"),
}
STATE_CHOICES = sorted(STATES.items())

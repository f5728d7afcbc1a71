"""What the benchmark users say and which browsers (and link-preview bots) follow the links:
shared by ratios.py and the locustfiles. No locust users here, so importing it adds none."""

TEXTS = [
    "Mijn buurman wil zijn hypotheek oversluiten naar ons, kan iemand hem bellen?",
    "Min nabo vil gerne flytte sit boliglån til os, kan en rådgiver ringe?",
    "pinpas van mn schoonzus gestolen en er is geld afgeschreven!!",
    "A friend of mine is a great Python developer and wants to join us",
    "mijn zus wil de personeelskorting op haar autoverzekering",
    "the new app is really nice, well done team",
    "kunden er sur over gebyret på kontoen og vil skifte bank",
]
AGENTS = [
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 Chrome/120.0 Mobile Safari/537.36",
    "LinkedInBot/1.0 (compatible; Mozilla/5.0; Apache-HttpClient +http://www.linkedin.com)",
]

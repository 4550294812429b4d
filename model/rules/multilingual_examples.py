"""Examples and near-misses of the multilingual rules (`model.rules.multilingual`): what each
rule must match, and lookalikes on which its family must stay silent."""

from __future__ import annotations

from model.rules.base import Examples

EXAMPLES: dict[str, Examples] = {
    # German
    "legal.de.sue": Examples(
        match=("Wir werden Sie verklagen.", "Ich habe Strafanzeige erstattet."),
        near_miss=("Ich kann mich über den Support nicht beklagen.",),
    ),
    "legal.de.lawyer": Examples(
        match=("Mein Anwalt meldet sich bei Ihnen.",),
        near_miss=("Die Software ist auch für Kanzleien gut geeignet.",),
    ),
    "legal.de.legal_action": Examples(
        match=("Wir werden rechtliche Schritte gegen Ihre Firma einleiten",),
        near_miss=("Wir haben die nächsten Schritte im Projekt geplant.",),
    ),
    "legal.de.regulator": Examples(
        match=("Ich habe mich bei der Verbraucherzentrale beschwert.",),
        near_miss=("Die Datenschutzeinstellungen sind leicht zu finden.",),
    ),
    "security.de.hacked": Examples(
        match=("Mein Konto wurde gehackt.", "Es gab ein Datenleck bei Ihnen."),
        near_miss=("Das Konto ist schnell eingerichtet und läuft gut.",),
    ),
    "fraud.de.fraud": Examples(
        match=("Das ist Betrug!", "Reine Abzocke, Finger weg."),
        near_miss=("Die Rechnung war korrekt und pünktlich.",),
    ),
    "safety.de.injury": Examples(
        match=("Mein Sohn wurde schwer verletzt.", "Das Ladegerät ist explodiert."),
        near_miss=("Die Lieferung kam schnell und unbeschädigt an.",),
    ),
    "safety.de.threat": Examples(
        match=("Der Fahrer hat mich bedroht.",),
        near_miss=("Der Fahrer war freundlich und pünktlich.",),
    ),
    # French
    "legal.fr.sue": Examples(
        match=("Je vais porter plainte.", "Nous allons vous poursuivre en justice."),
        near_miss=("Je vais poursuivre l'abonnement encore un an.",),
    ),
    "legal.fr.lawyer": Examples(
        match=("Mon avocat vous contactera.",),
        near_miss=("Le conseiller m'a rappelé très vite.",),
    ),
    "legal.fr.legal_action": Examples(
        match=("Nous irons au tribunal.", "C'est illégal."),
        near_miss=("Nous irons au salon la semaine prochaine.",),
    ),
    "legal.fr.regulator": Examples(
        match=("J'ai saisi la CNIL.", "J'ai écrit au médiateur."),
        near_miss=("J'ai écrit au support et ils ont répondu vite.",),
    ),
    "security.fr.hacked": Examples(
        match=("Mon compte a ete pirate", "Il y a eu une fuite de données."),
        near_miss=("Mon compte a été créé en deux minutes.",),
    ),
    "fraud.fr.fraud": Examples(
        match=("C'est une arnaque.", "C'est une fraude, je ne suis pas content"),
        near_miss=("Le prix est correct pour ce service.",),
    ),
    "safety.fr.injury": Examples(
        match=("Mon fils a été blessé.", "Le chargeur a pris feu."),
        near_miss=("Le chargeur fonctionne très bien.",),
    ),
    "safety.fr.threat": Examples(
        match=("Le livreur m'a menacé.",),
        near_miss=("Le livreur était très aimable.",),
    ),
    # Spanish
    "legal.es.sue": Examples(
        match=("Voy a demandarlos.", "Pondré una denuncia."),
        near_miss=("Hay mucha demanda de este producto.",),
    ),
    "legal.es.lawyer": Examples(
        match=("Mi abogado se pondrá en contacto.",),
        near_miss=("Mi asesor se puso en contacto enseguida.",),
    ),
    "legal.es.legal_action": Examples(
        match=("Tomaremos acciones legales.", "Esto es ilegal."),
        near_miss=("Tomaremos la decisión la próxima semana.",),
    ),
    "legal.es.regulator": Examples(
        match=("Voy a ir a Profeco.", "Lo reporté a la oficina de consumo."),
        near_miss=("Voy a ir a la oficina mañana.",),
    ),
    "security.es.hacked": Examples(
        match=("Mi cuenta fue hackeada.", "Hubo una filtración de datos."),
        near_miss=("Mi cuenta fue creada sin problemas.",),
    ),
    "fraud.es.fraud": Examples(
        match=("Es una estafa.", "Es un fraude, pero muy claro que no"),
        near_miss=("Es un buen precio para lo que ofrece.",),
    ),
    "safety.es.injury": Examples(
        match=("Mi hijo resultó herido.", "Me corté con el borde de la caja."),
        near_miss=("Mi hijo está contento con la tableta.",),
    ),
    "safety.es.threat": Examples(
        match=("El repartidor me amenazó.",),
        near_miss=("El repartidor fue muy amable.",),
    ),
    # Italian
    "legal.it.sue": Examples(
        match=("Vi farò causa.", "Ho presentato una querela."),
        near_miss=("Vi farò sapere domani.",),
    ),
    "legal.it.lawyer": Examples(
        match=("Il mio avvocato vi contatterà.", "Il nostro legale vi scriverà."),
        near_miss=("Il mio collega vi contatterà.",),
    ),
    "legal.it.legal_action": Examples(
        match=("Intraprenderemo azioni legali.", "Andremo in tribunale."),
        near_miss=("Intraprenderemo un nuovo progetto.",),
    ),
    "legal.it.regulator": Examples(
        match=("Ho scritto al Codacons.",),
        near_miss=("Ho scritto al servizio clienti.",),
    ),
    "security.it.hacked": Examples(
        match=("Il mio account è stato hackerato.", "C'è stata una violazione dei dati."),
        near_miss=("Il mio account è stato attivato subito.",),
    ),
    "fraud.it.fraud": Examples(
        match=("È una truffa.", "Sono dei ladri."),
        near_miss=("È un prezzo onesto.",),
    ),
    "safety.it.injury": Examples(
        match=("Mio figlio è rimasto ferito.", "Il caricatore ha preso fuoco."),
        near_miss=("Mio figlio è rimasto contento.",),
    ),
    "safety.it.threat": Examples(
        match=("Il corriere mi ha minacciato.",),
        near_miss=("Il corriere mi ha chiamato prima di arrivare.",),
    ),
    # Dutch
    "legal.nl.sue": Examples(
        match=("Ik ga jullie aanklagen.", "Ik heb aangifte gedaan."),
        near_miss=("Ik ga jullie aanbevelen.",),
    ),
    "legal.nl.lawyer": Examples(
        match=("Mijn advocaat neemt contact op.",),
        near_miss=("Mijn collega neemt contact op.",),
    ),
    "legal.nl.legal_action": Examples(
        match=("Wij nemen juridische stappen.", "Ik stap naar de rechter."),
        near_miss=("Wij nemen de volgende stappen in het project.",),
    ),
    "legal.nl.regulator": Examples(
        match=("Ik ga naar de Consumentenbond.",),
        near_miss=("Ik ga naar de winkel.",),
    ),
    "security.nl.hacked": Examples(
        match=("Mijn account is gehackt.", "Er was een datalek."),
        near_miss=("Mijn account is snel aangemaakt.",),
    ),
    "fraud.nl.fraud": Examples(
        match=("Dit is oplichting.", "Het zijn oplichters."),
        near_miss=("Dit is een eerlijke prijs.",),
    ),
    "safety.nl.injury": Examples(
        match=("Mijn zoon raakte gewond.", "Hij moest naar het ziekenhuis."),
        near_miss=("Mijn zoon was blij met de tablet.",),
    ),
    "safety.nl.threat": Examples(
        match=("De bezorger heeft mij bedreigd.",),
        near_miss=("De bezorger heeft mij gebeld.",),
    ),
    # Portuguese
    "legal.pt.sue": Examples(
        match=("Vou processar a empresa.", "Vou entrar com um processo."),
        near_miss=("O pedido está em processo de entrega.",),
    ),
    "legal.pt.lawyer": Examples(
        match=("Meu advogado vai entrar em contato.",),
        near_miss=("Meu gerente vai entrar em contato.",),
    ),
    "legal.pt.legal_action": Examples(
        match=("Vou entrar na justiça.", "Quero indenização por danos morais."),
        near_miss=("Vou entrar na loja amanhã.",),
    ),
    "legal.pt.regulator": Examples(
        match=("Reclamei na Anatel.",),
        near_miss=("Reclamei no chat e resolveram.",),
    ),
    "security.pt.hacked": Examples(
        match=("Minha conta foi hackeada.", "Houve vazamento de dados."),
        near_miss=("Minha conta foi criada rapidamente.",),
    ),
    "fraud.pt.fraud": Examples(
        match=("É golpe!", "Foi uma fraude, não recebi o dinheiro"),
        near_miss=("É um preço justo.",),
    ),
    "safety.pt.injury": Examples(
        match=("Meu filho ficou machucado.", "O carregador pegou fogo."),
        near_miss=("Meu filho ficou feliz com o tablet.",),
    ),
    "safety.pt.threat": Examples(
        match=("O entregador fez ameaças.",),
        near_miss=("O entregador foi educado.",),
    ),
}

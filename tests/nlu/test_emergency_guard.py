"""The danger-phrase safety net: what it must catch, what it must leave alone, and that a
trained model carries it (the server loads the persisted copy, not the file)."""

from pathlib import Path
from typing import Any

import pytest
from rasa.engine.graph import ExecutionContext
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from nlu.components.danger_lexicon import DangerLexicon, LexiconError
from nlu.components.emergency_categories import CATEGORIES, CategoryModel
from nlu.components.emergency_guard import GUARD_KEY, EmergencyGuard

LEXICON = DangerLexicon.from_file()


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("ME QUIERO MATAR", "suicide"),
        ("pienso en el suicidio todos los dias", "suicide"),
        ("ya no quiero vivir", "suicide"),
        ("I want to end my life", "suicide"),
        ("i dont want to wake up anymore", "suicide"),
        ("mi marido me está pegando ahorita", "violence"),
        ("el man tiene un cuchillo y nos amenaza", "violence"),
        ("he is beating me right now", "violence"),
        ("they threatened to kill my family", "violence"),
        ("me violaron anoche", "sexual_violence"),
        ("I was raped", "sexual_violence"),
        ("el patrón me quitaron el pasaporte y no me dejan salir", "trafficking"),
        ("my boss took my passport and won't let me leave", "trafficking"),
        ("mi esposa está sangrando mucho", "medical"),
        ("my baby is not breathing", "medical"),
        ("empezó el parto y estoy sola", "medical"),
        ("no encuentro a mi hijo desde la mañana", "missing_child"),
        ("my daughter is missing", "missing_child"),
        ("¡¡auxilio!!", "cry_for_help"),
    ],
)
def test_danger_is_caught_in_both_languages(text: str, category: str) -> None:
    assert LEXICON.category(text) == category


@pytest.mark.parametrize(
    "text",
    [
        "me muero de hambre jaja",
        "this traffic is killing me",
        "me tocó esperar tres horas",
        "necesito un examen de sangre",
        "I need a blood test",
        "I have my passport but my visa expired",
        "my son lost his passport",
        "no quiero vivir en este barrio, busco cuarto",
        "violación de mis derechos laborales",
        "necesito el auxilio de transporte",
        "I'm going to die of boredom",
        "where can I get a flu shot",
        "no encuentro trabajo para mi hijo",
        "me siento triste y solo",
    ],
)
def test_everyday_words_are_left_to_the_classifier(text: str) -> None:
    assert LEXICON.category(text) is None


def test_a_broken_lexicon_stops_training() -> None:
    with pytest.raises(LexiconError, match="bad pattern"):
        DangerLexicon.from_mapping({"categories": {"suicide": ["(unclosed"]}})
    with pytest.raises(LexiconError, match="categories"):
        DangerLexicon.from_mapping({"version": 1})


def _parsed(text: str, intent: str, confidence: float) -> Message:
    message = Message.build(text=text)
    message.set("intent", {"name": intent, "confidence": confidence})
    message.set(
        "intent_ranking",
        [{"name": intent, "confidence": confidence}, {"name": "emergency", "confidence": 0.01}],
    )
    return message


def test_the_trained_model_overrides_the_classifier_and_says_so(
    storage: LocalModelStorage, context: ExecutionContext, tmp_path: Path
) -> None:
    lexicon = tmp_path / "phrases.yml"
    lexicon.write_text("categories:\n  suicide:\n    - '\\bno quiero vivir\\b'\n")
    resource = Resource("guard")
    EmergencyGuard.create({"lexicon": str(lexicon)}, storage, resource, context).train(
        TrainingData()
    )
    lexicon.unlink()  # the loaded model must not need the file any more
    guard = EmergencyGuard.load({}, storage, resource, context)

    caught, calm = _parsed("ya no quiero vivir", "deny", 0.98), _parsed("hola", "greet", 0.99)
    guard.process([caught, calm])

    assert caught.get("intent")["name"] == "emergency"
    assert caught.get("intent_ranking")[0]["name"] == "emergency"
    assert [r["name"] for r in caught.get("intent_ranking")].count("emergency") == 1
    assert caught.get(GUARD_KEY) == {"category": "suicide", "classifier_intent": "deny"}
    assert calm.get("intent")["name"] == "greet" and calm.get(GUARD_KEY) is None


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("i dont want to hurt myself, i just need to talk", None),
        ("nobody hit me but they insulted me on the bus", None),
        ("me amenazaron de muerte en mi pais, puedo pedir refugio", None),
        ("they want to kill me back home, can i ask for asylum", None),
        ("me amenazaron de muerte aqui en el barrio", "violence"),
        ("he hit me and nobody helped", "violence"),
    ],
)
def test_negated_or_far_away_danger_is_not_an_emergency(text: str, category: str | None) -> None:
    assert LEXICON.category(text) == category


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("este calor me esta matando", None),
        ("el alquiler me esta ahogando", None),
        ("me estan matando a golpes", "violence"),
    ],
)
def test_idioms_with_a_singular_subject_are_not_violence(text: str, category: str | None) -> None:
    assert LEXICON.category(text) == category


def test_editing_the_phrases_changes_the_config_rasa_fingerprints() -> None:
    # otherwise `rasa train` would restore the old phrases from its cache
    config = EmergencyGuard.get_default_config()
    assert len(config["lexicon_sha256"]) == 64


# Issue 11: emergencies said without the usual words, each with the category that picks the
# hotline (suicide -> 147, a child -> SENNIAF, trafficking -> 104, a woman facing violence -> 182).
@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("nadie me extrañaria si me muero", "suicide"),
        ("nobody would miss me", "suicide"),
        ("nobody would even notice me if i was gone", "suicide"),
        ("i'm tired of everything, i mean it", "suicide"),
        ("ya no le veo sentido a nada", "suicide"),
        ("quiero dormir y no despertar", "suicide"),
        ("mis hijos estarian mejor sin mi", "suicide"),
        ("my family is better off without me", "suicide"),
        ("i wish i could sleep and never wake up", "suicide"),
        ("toy cansada de vivir", "suicide"),
        ("si me muero a nadie le importaria", "suicide"),
        ("hay un niño solo llorando en la calle de noche", "missing_child"),
        ("vi una niña chiquita sola en la parada, no hay nadie con ella", "missing_child"),
        ("a little girl alone at the bus stop, no parents around", "missing_child"),
        ("there is a kid alone crying in the street at night, maybe 5 years old", "missing_child"),
        ("i found a baby abandoned outside the church", "missing_child"),
        ("they check my phone", "trafficking"),
        ("the lady i work for keeps my passport", "trafficking"),
        ("el casero se quedo con mi pasaporte", "trafficking"),
        ("la señora me revisa el celular y no me deja salir", "trafficking"),
        ("trabajo para pagar una deuda que nunca se acaba", "trafficking"),
        ("the debt never ends, every month i owe them more", "trafficking"),
        ("we are not allowed to go out of the farm", "trafficking"),
        ("si hablo me denuncia a migracion", "trafficking"),
        ("he says he'll call immigration if i complain", "trafficking"),
        ("el patron dice q me va a denunciar a migracion si reclamo mi pago", "trafficking"),
        ("mi jefe me toca y me dice q si hablo me denuncia", "sexual_violence"),
        ("el capataz me manosea", "sexual_violence"),
        ("my boss touches me", "sexual_violence"),
        ("my manager keeps touching my legs and says he will call migration", "sexual_violence"),
        ("el dueño del cuarto me pide sexo para no cobrarme", "sexual_violence"),
        ("my friend took a lot of pills and won't wake up", "medical"),
        ("se tomo un veneno", "medical"),
        ("mi hijo se tomo el destapador", "medical"),
        ("mi abuela se tomo el cloro por error", "medical"),
        ("my son drank bleach", "medical"),
        ("she swallowed a whole bottle of sleeping pills", "medical"),
        ("he took 30 pills, what do i do", "medical"),
        ("mi marido me dejo el ojo morado otra vez", "violence"),
        ("le tengo miedo a mi esposo, anoche me empujo contra la pared", "violence"),
        ("mi pareja me revisa el celular y no me deja salir", "violence"),
        ("my husband chokes me when he drinks", "violence"),
        ("i have bruises all over, my boyfriend did it", "violence"),
        ("my partner won't let me leave the house", "violence"),
        ("i am scared of my husband", "violence"),
    ],
)
def test_indirect_danger_gets_the_right_category(text: str, category: str) -> None:
    assert LEXICON.category(text) == category


@pytest.mark.parametrize(
    "text",
    [
        "la multa de migracion me va a matar jaja",
        "la multa me va a matar",
        "la multa me va a matar jaja, cuanto es?",
        "mi jefe me va a matar si llego tarde otra vez jaja",
        "hello my name is Socorro",
        "me mordio un perro en la calle, donde me vacunan",
        "la fila me mató",
        "this heat is killing me",
        "me muero de la risa",
        "vi un accidente en las noticias, q feo",
        "I read about a shooting in San Miguelito, is it safe to go to the clinic there?",
        "cuando crucé el Darién vi gente muerta y todavía sueño con eso",
        "ya se fueron, llamé a la policía",
        "they left already, i called the police, what do i do now",
        "I live near Albrook mall",
        "hola soy Socorro",
        "buenas, me llamo Socorro",
        "mi mama se llama maria del socorro",
        "queda cerca del perpetuo socorro",
        "hi I'm Gloria",
        "how much is the fine for an expired visa",
        "cuanto es la multa por visa vencida",
        "I've lived in Pedregal for 3 years",
        "tengo miedo de volver a venezuela, me matan alla",
        "i am afraid to go back to my country",
        "me toca trabajar el domingo",
        "mi jefe dice que me toca el turno de noche",
        "mi jefe me toca pagar el seguro?",
        "mi mama se tomo las pastillas de la presion, donde compro mas",
        "donde compro veneno para ratas, el cuarto tiene ratas",
        "i need a new phone, mine broke",
        "the police checked my documents at the checkpoint, is my permit ok",
        "am i allowed to leave panama with an expired visa",
        "i need a job to pay my debt",
        "tengo una deuda con el banco, hay trabajo?",
        "my son stays alone at home while i work, is there a daycare",
        "tengo un niño solo, no tengo mas hijos",
        "no le veo sentido a este tramite de migracion",
        "estoy cansada de todo este papeleo",
        "i'm tired of waiting for my appointment",
        "nobody answers the phone at migracion",
        "i am going to call immigration to ask about my visa",
        "voy a llamar a migracion para preguntar por mi cita",
        "el jefe me pide el pasaporte para el permiso de trabajo, es normal?",
        "me quede dormido y no desperte para la cita",
        "i woke up late and missed the interview",
        "i took 2 pills for my headache, where is a pharmacy",
        "me tome 2 pastillas para el dolor, donde hay farmacia",
    ],
)
def test_idioms_news_names_and_places_are_left_to_the_classifier(text: str) -> None:
    assert LEXICON.category(text) is None


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("i cant go back home, my husband left my face swollen", "violence"),
        ("they want to kill me back home, can i ask for asylum", None),
        ("chamo ya no tengo fuerzas pa seguir, quiero que todo se acabe", "suicide"),
        ("a baby is locked alone in a car in the sun", "missing_child"),
        ("el casero dijo q va a llamar a migracion si no me acuesto con el", "sexual_violence"),
        ("my partner hid my documents and wont let me go with my kids", "violence"),
        ("mi marido me tiene encerrada y se llevo la llave", "violence"),
        ("me mordio una culebra", None),
    ],
)
def test_the_category_follows_who_does_it(text: str, category: str | None) -> None:
    # a partner's control is violence (182), a boss's is trafficking (104), harassment with a
    # migration threat is sexual violence, a snake bite is not violence (the classifier has it)
    assert LEXICON.category(text) == category


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("ya no puedo mas con esto, de verdad", "suicide"),
        ("my friend swallowed something from under the sink", "medical"),
        ("un niño chiquito esta solo en la parada, ya es de noche", "missing_child"),
        ("the man at the farm keeps my passport and my phone", "trafficking"),
        ("my boyfriend gets drunk and i am scared of him tonight", "violence"),
    ],
)
def test_hints_pick_the_hotline_of_an_emergency_without_a_danger_phrase(
    text: str, category: str
) -> None:
    lexicon = DangerLexicon.from_file()
    assert lexicon.hinted_category(text) == category


def test_a_hint_alone_never_makes_an_emergency() -> None:
    lexicon = DangerLexicon.from_file()
    # the classifier decides emergencies; a word like "passport" only picks a hotline
    assert lexicon.category("where do i renew my passport") is None
    assert lexicon.hinted_category("where do i renew my passport") == "trafficking"


# The danger3 round: a list written first, before any pattern, of what people in Panama write on
# WhatsApp when the danger is said indirectly (typos, no accents, run-ons), each with the category
# that picks the hotline; and as many look-alikes that must not open an urgent case.
@pytest.mark.parametrize(
    ("text", "category"),
    [
        # suicide (es)
        ("nadie se daria cuenta si yo desaparezco", "suicide"),
        ("dile a mis hijos que los quiero, ya no voy a estar", "suicide"),
        ("diganle a mi mama que la quiero mucho, perdonenme por todo", "suicide"),
        ("esta noche acabo con todo", "suicide"),
        ("hoy me voy de este mundo, ya lo decidi", "suicide"),
        ("ya no quiero estar aqui, lo digo en serio", "suicide"),
        ("estoy juntando pastillas, ya casi tengo suficientes", "suicide"),
        ("tengo las pastillas guardadas para cuando ya no aguante", "suicide"),
        ("ya regale mi ropa y mis cosas, donde voy no las necesito", "suicide"),
        ("ya escribi mi carta de despedida", "suicide"),
        ("todos estarian mejor si yo me muero", "suicide"),
        ("estoy harta de vivir asi", "suicide"),
        ("ya tengo la soga lista", "suicide"),
        ("seria mejor no despertar mañana", "suicide"),
        ("cuando lean esto ya no voy a estar", "suicide"),
        ("ojala me atropelle un carro y ya", "suicide"),
        ("mi amiga me escribio que se va a matar esta noche", "suicide"),
        ("mi hermano dice q se va a quitar la vida", "suicide"),
        ("ya me despedi de todos, esta noche lo hago", "suicide"),
        ("me quiero ir de este mundo", "suicide"),
        # suicide (en)
        ("nobody would even notice if i was gone", "suicide"),
        ("no one would notice if i disappeared", "suicide"),
        ("tonight i end it all", "suicide"),
        ("i'm going to end it all tonight", "suicide"),
        ("i mean it, i'm done with everything", "suicide"),
        ("tell my kids i love them, i won't be here anymore", "suicide"),
        ("tell my mom i love her and i'm sorry", "suicide"),
        ("i've been saving up pills", "suicide"),
        ("i have enough pills to do it", "suicide"),
        ("everyone would be better off if i was dead", "suicide"),
        ("i'm going to jump off the bridge", "suicide"),
        ("i wrote my goodbye letter", "suicide"),
        ("what's the point of living anymore", "suicide"),
        ("i gave away my stuff, i won't need it where i'm going", "suicide"),
        ("i'm giving away my things, i won't need them", "suicide"),
        ("i want to go to sleep forever", "suicide"),
        ("my friend says she is going to kill herself tonight", "suicide"),
        ("i'm going to cut my wrists", "suicide"),
        ("say goodbye to my family for me", "suicide"),
        ("i have the rope ready", "suicide"),
        # violence (es)
        ("mi vecina esta gritando que la estan matando", "violence"),
        ("la vecina grita que la van a matar", "violence"),
        ("hay una pelea afuera y se estan dando machete", "violence"),
        ("estan peleando con cuchillos frente a mi casa", "violence"),
        ("estan disparando afuera de mi casa", "violence"),
        ("hay una balacera en mi calle ahorita", "violence"),
        ("no puedo hablar, el esta aqui", "violence"),
        ("no puedo hablar mucho, mi marido esta en el cuarto", "violence"),
        ("no puedo hablar, me esta escuchando", "violence"),
        ("estoy escondida en el baño, el esta afuera", "violence"),
        ("me encerre en el baño porque me quiere pegar", "violence"),
        ("ya me encontro, esta afuera", "violence"),
        ("me encontraron, ayuda", "violence"),
        ("me estan persiguiendo unos tipos", "violence"),
        ("estan tumbando la puerta", "violence"),
        ("mi ex esta afuera de la casa con una pistola", "violence"),
        ("mi hermana me escribio que su marido la esta golpeando", "violence"),
        ("lo estan golpeando entre varios en la esquina", "violence"),
        ("hay un hombre golpeando a una mujer en la calle ahorita", "violence"),
        ("mi ex dice que viene a matarme", "violence"),
        ("me tiene amenazada de muerte si lo dejo", "violence"),
        ("dice que si lo dejo me mata", "violence"),
        ("mi papa llega borracho y nos quiere pegar", "violence"),
        ("le estan dando cuero al muchacho", "violence"),
        ("mi marido me encierra en la casa", "violence"),
        # violence (en)
        ("my neighbour is screaming that he is killing her", "violence"),
        ("i can hear a woman screaming for help next door", "violence"),
        ("there's a fight outside with a knife", "violence"),
        ("guys are fighting with machetes in front of my house", "violence"),
        ("they are shooting outside", "violence"),
        ("i hear gunshots outside right now", "violence"),
        ("he's here, i can't talk", "violence"),
        ("i can't talk, he is listening", "violence"),
        ("can't talk my husband is in the next room", "violence"),
        ("they found me", "violence"),
        ("he found me, he is outside", "violence"),
        ("someone is breaking into my house right now", "violence"),
        ("they are kicking my door down", "violence"),
        ("i'm hiding in the bathroom, he's looking for me", "violence"),
        ("my ex is outside and he says he'll kill me", "violence"),
        ("he's coming to kill me", "violence"),
        ("a man is dragging a woman into a car", "violence"),
        ("i can hear my neighbor being beaten", "violence"),
        ("she is being killed, i can hear it", "violence"),
        ("he's choking her next door", "violence"),
        # missing_child (es)
        ("mi hija no ha llegado de la escuela y ya son las 9 de la noche", "missing_child"),
        ("nadie sabe donde esta mi hija", "missing_child"),
        ("no sabemos donde esta nuestro hijo, no contesta", "missing_child"),
        ("mi niño salio a jugar y no aparece", "missing_child"),
        ("la niña de 6 años no llega del colegio y ya es de noche", "missing_child"),
        ("mi hijo de 10 años no ha vuelto desde ayer", "missing_child"),
        ("ya son las 11 de la noche y mi hijo no llega", "missing_child"),
        ("ya son las 9 y mi hija no llega", "missing_child"),
        ("la bebe no esta en su cuna", "missing_child"),
        ("mi hija de 14 no llego a dormir y no contesta", "missing_child"),
        ("ya busque por todo el barrio y no encuentro a mi nene", "missing_child"),
        ("mi niña se fue con un señor que no conozco", "missing_child"),
        ("la maestra dice que mi hijo nunca llego a la escuela", "missing_child"),
        ("no se nada de mi hijo desde anoche, tiene 8 años", "missing_child"),
        ("mi hijo se escapo de la casa y tiene 12 años", "missing_child"),
        ("la niña del vecino lleva horas perdida", "missing_child"),
        ("mi chamito no aparece desde la tarde", "missing_child"),
        # missing_child (en)
        ("my daughter isn't back from school and it's already dark", "missing_child"),
        ("nobody knows where my daughter is", "missing_child"),
        ("we don't know where our son is", "missing_child"),
        ("my 7 year old didn't come home from school and it's night", "missing_child"),
        ("my son went to the store and hasn't come back, it's been 3 hours", "missing_child"),
        ("we looked everywhere and can't find our little girl", "missing_child"),
        ("the baby is not in her crib", "missing_child"),
        ("my kid got into a car with a stranger", "missing_child"),
        ("a stranger took my son", "missing_child"),
        ("my son ran away from home, he is only 10", "missing_child"),
        ("haven't seen my son since this morning", "missing_child"),
        ("my little brother is missing", "missing_child"),
        ("my daughter disappeared", "missing_child"),
        ("the kids aren't home and it's midnight", "missing_child"),
        ("my son didn't come home last night, he is 13", "missing_child"),
        ("she is 5 and i can't find her anywhere, my daughter", "missing_child"),
        # trafficking (es)
        ("nos tienen trabajando sin pagar y no podemos salir", "trafficking"),
        ("la señora me encierra cuando sale", "trafficking"),
        ("me obligan a estar con clientes", "trafficking"),
        ("me quieren obligar a prostituirme", "trafficking"),
        ("el que nos trajo se quedo con los papeles", "trafficking"),
        ("los coyotes nos tienen en una casa y piden mas plata", "trafficking"),
        ("nos tienen en un cuarto y no podemos salir", "trafficking"),
        ("estan pidiendo rescate por mi hermano", "trafficking"),
        ("me vendieron a un hombre", "trafficking"),
        ("mi jefe no me deja llamar a mi familia", "trafficking"),
        ("me dicen que si me escapo le hacen daño a mi familia", "trafficking"),
        ("nos tienen limpiando dia y noche sin pago", "trafficking"),
        ("me trajeron engañada, me prometieron trabajo y ahora no me dejan ir", "trafficking"),
        ("la agencia nos tiene en una finca vigilados", "trafficking"),
        ("me quieren vender", "trafficking"),
        # trafficking (en)
        ("they keep us in a house and we can't leave, the door is locked", "trafficking"),
        ("if i escape they will hurt my family", "trafficking"),
        ("they make us work without pay and lock us at night", "trafficking"),
        ("they force me to sleep with clients", "trafficking"),
        ("they sold me", "trafficking"),
        ("they sold me to a man", "trafficking"),
        ("the man who brought us keeps our passports", "trafficking"),
        ("we owe them for the trip and can't leave until we pay", "trafficking"),
        ("they lock the door from outside when they leave", "trafficking"),
        ("i'm not allowed to call my family", "trafficking"),
        ("they want ransom for my brother", "trafficking"),
        ("we are guarded by men with guns at the farm", "trafficking"),
        ("they keep me in a room and only let me out to work", "trafficking"),
        ("the coyotes have us in a house and want more money", "trafficking"),
        ("we are being held in a house", "trafficking"),
        # sexual_violence (es)
        ("mi padrastro se mete a mi cuarto de noche", "sexual_violence"),
        ("mi tio me toca cuando nadie ve", "sexual_violence"),
        ("desperte sin ropa y no recuerdo nada", "sexual_violence"),
        ("me obligo a tener relaciones", "sexual_violence"),
        ("me forzo anoche", "sexual_violence"),
        ("me pide fotos desnuda o me bota del trabajo", "sexual_violence"),
        ("un señor le esta tocando las partes a la niña", "sexual_violence"),
        ("amenaza con publicar mis fotos intimas", "sexual_violence"),
        ("abuso de mi hija", "sexual_violence"),
        ("el chofer se masturbo frente a mi", "sexual_violence"),
        ("me beso a la fuerza", "sexual_violence"),
        ("me tocaron en el bus", "sexual_violence"),
        ("el casero dice que le puedo pagar con mi cuerpo", "sexual_violence"),
        ("mi primo me manda fotos de sus partes", "sexual_violence"),
        ("mi padrastro me toca", "sexual_violence"),
        # sexual_violence (en)
        ("my stepdad comes into my room at night", "sexual_violence"),
        ("he made me have sex with him", "sexual_violence"),
        ("i woke up naked and don't remember anything", "sexual_violence"),
        ("he forced himself on me", "sexual_violence"),
        ("he says he will post my nude photos", "sexual_violence"),
        ("a man exposed himself to me on the bus", "sexual_violence"),
        ("my uncle molests my daughter", "sexual_violence"),
        ("he touches my daughter", "sexual_violence"),
        ("my boss says i keep my job only if i sleep with him", "sexual_violence"),
        ("i woke up in his bed and don't know how", "sexual_violence"),
        ("he forced me last night", "sexual_violence"),
        ("he keeps sending me pictures of his private parts", "sexual_violence"),
        ("my landlord says i can pay the rent with my body", "sexual_violence"),
        ("my cousin keeps touching me at night", "sexual_violence"),
        ("he is asking me for nudes or he will tell everyone", "sexual_violence"),
        # medical (es)
        ("se trago una moneda el bebe", "medical"),
        ("el bebe se esta ahogando con la leche", "medical"),
        ("mi papa esta morado y no se mueve", "medical"),
        ("esta echando espuma por la boca", "medical"),
        ("me duele mucho el pecho y el brazo izquierdo", "medical"),
        ("no puedo respirar", "medical"),
        ("se le torcio la boca y no puede hablar", "medical"),
        ("no para de salir sangre", "medical"),
        ("le dio un derrame cerebral", "medical"),
        ("mi amiga se tomo un frasco entero de pastillas", "medical"),
        ("mi esposo se desplomo en la cocina", "medical"),
        ("lo atropello un carro y no se mueve", "medical"),
        ("creo que le esta dando un ataque al corazon", "medical"),
        ("se le esta cerrando la garganta", "medical"),
        ("llamen una ambulancia por favor", "medical"),
        # medical (en)
        ("he's foaming at the mouth", "medical"),
        ("my baby swallowed a battery", "medical"),
        ("my son is choking", "medical"),
        ("chest pain and my left arm is numb", "medical"),
        ("my husband just collapsed", "medical"),
        ("she's turning blue", "medical"),
        ("i think he overdosed", "medical"),
        ("her face is drooping and she can't talk", "medical"),
        ("i think she is having a stroke", "medical"),
        ("my wife is in labor and the baby is coming now", "medical"),
        ("he got hit by a car and he's not moving", "medical"),
        ("her throat is closing up", "medical"),
        ("my friend is unresponsive", "medical"),
        ("please send an ambulance", "medical"),
        ("he is having an allergic reaction and can't breathe", "medical"),
        # forced sex with clients is trafficking (104), not sexual violence
        ("they force me to have sex with clients", "trafficking"),
        ("nos obligan a tener sexo con clientes", "trafficking"),
    ],
)
def test_danger_said_indirectly_is_caught_with_its_hotline(text: str, category: str) -> None:
    assert LEXICON.category(text) == category


@pytest.mark.parametrize(
    "text",
    [
        # suicide look-alikes
        "me voy a matar cocinando para la fiesta",
        "me voy a matar estudiando para el examen",
        "me mato trabajando todo el dia y no me pagan",
        "mi mama murio el año pasado y la extraño",
        "mi papa fallecio hace un mes, necesito hablar con alguien",
        "estoy muy triste porque no consigo trabajo",
        "ya no voy a estar en panama el proximo mes, me voy a costa rica",
        "regale mi ropa de invierno, aqui no la necesito",
        "regale mis cosas de invierno, ya no las voy a necesitar en panama",
        "me despedi de mi familia en venezuela hace un año",
        "quiero irme de este pais para siempre",
        "lo digo en serio, necesito trabajo urgente",
        "estoy cansado de este trabajo, lo digo en serio",
        "tengo las pastillas de la presion guardadas en la nevera, se dañan?",
        "hoy acabo con todo el papeleo de migracion",
        "dile a mi mama que la quiero y que pronto nos vemos",
        "escribi una carta de renuncia a mi trabajo",
        "this paperwork is killing me lol",
        "i'm dying to see my kids again",
        "i could die of embarrassment",
        "my mom died last year and i miss her",
        "i'm sad and lonely since i arrived",
        "i won't be here next week, i'm moving to david",
        "i gave away my old clothes to the church",
        "i'm saving up for my medicine",
        "tonight i end my shift at 10",
        "i want to end things with my boyfriend, he cheats",
        "i mean it, thank you so much for the help",
        "i'm done with this visa process, i mean it",
        "my phone is dying, last message",
        "i have my pills saved in a box, do they expire",
        "i'm going to jump on the bus to albrook",
        "what's the point of living in panama if i can't work legally",
        "tell my mom i love her, she is in venezuela, how can i send money",
        "i wrote a goodbye letter to my coworkers, i start a new job monday",
        # violence look-alikes
        "no puedo hablar ahora, estoy en el trabajo",
        "no puedo hablar ahora, mi jefe esta aqui",
        "no puedo hablar mucho, tengo poca bateria",
        "i can't talk now, i'm at work",
        "i can't talk right now, my boss is here",
        "they found me a job in a restaurant",
        "they found me a room in pedregal",
        "me encontraron trabajo en una tienda",
        "por fin me encontraron el expediente en migracion",
        "la multa me esta matando",
        "mi suegra me va a matar si no llego a la cena jaja",
        "my mom is going to kill me if i'm late lol",
        "vi en las noticias que hubo una balacera en colon",
        "anoche hubo una pelea en la discoteca pero ya se acabo",
        "my neighbour was robbed last year",
        "the news said there was a shooting in san miguelito",
        "mis vecinos estan peleando otra vez por el ruido, se puede denunciar?",
        "la vecina grita mucho cuando ve futbol",
        "el me pego el resfriado",
        "mi hijo me pego la gripe",
        "el banco me tiene amenazado con embargarme",
        "estan tumbando la casa de al lado para construir",
        "im hiding from the rain in the mall",
        "i'm hiding my savings from my roommate",
        "mi vecino llego con un machete para chapear el patio",
        "me corte con un cuchillo cocinando, donde hay clinica",
        "they are shooting a movie in casco viejo",
        "nos estan matando con los precios del alquiler",
        "la deuda la esta ahogando",
        "me va a cortar la luz si no pago",
        "mi hijo esta jugando a las escondidas",
        "they are fighting over the tv again lol",
        "we watched a movie about a knife fight",
        "he's here to pick me up, i can't talk now",
        # missing child look-alikes
        "mi hijo todavia no llega de la escuela, a que hora salen en panama?",
        "my son isn't back yet from school, what time does school end in panama",
        "mi hija no ha llegado a panama todavia, esta en colombia, como la traigo?",
        "my daughter hasn't arrived in panama yet, she is still in colombia",
        "my kids are not back from vacation until monday",
        "no se donde esta la escuela de mi hijo",
        "i don't know where my son's school is",
        "no se nada de mi hijo desde que me vine de venezuela, esta con su abuela",
        "i haven't heard from my son since i left venezuela",
        "mi hijo se perdio la cita medica",
        "mi hija perdio su pasaporte y no aparece",
        "my daughter lost her passport",
        "my son is lost in math class lol",
        "mi hijo anda perdido con las tareas",
        "nadie sabe donde queda la oficina de migracion",
        "nobody knows where my file is at immigration",
        "my son went to costa rica and hasn't come back, can he return?",
        "mi hijo mayor se fue a chile y no ha vuelto",
        "mi hijo se fue con su papa de vacaciones",
        "the baby is not in daycare today, she is sick",
        "mi hijo no fue a la escuela hoy porque esta enfermo",
        "my son didn't get to school today because he was sick",
        "i don't know where my son is going to study next year",
        "my son ran away from the gangs in colombia, can he get refuge here",
        # trafficking look-alikes
        "no puedo salir del pais porque mi visa vencio",
        "can i leave panama with an expired visa",
        "i can't leave my house today, i'm sick",
        "mi jefe me obliga a trabajar los domingos, es legal?",
        "my boss makes me work on sundays, is that legal",
        "me vendieron un celular robado",
        "they sold me a fake bus ticket",
        "i have to work to pay my debt",
        "me encerraron el carro en el estacionamiento",
        "i locked myself out of my room",
        "el coyote nos cobro mucho cuando cruzamos el darien",
        "the coyotes took my money in the jungle last year",
        "los bomberos hicieron un rescate en el rio",
        "mi jefe no me deja llamar por telefono en horas de trabajo? es legal",
        "i'm not allowed to call in sick at my job",
        # sexual violence look-alikes
        "el doctor me toco la barriga en la consulta",
        "the doctor touched my belly during the exam",
        "me toco el bus lleno hoy",
        "mi primo se mete a mi cuarto a usar mi computadora",
        "do you share my photos with anyone",
        "me forzaron la puerta del cuarto y me robaron el celular",
        "me forzaron a firmar un contrato que no entiendo",
        "abuso de mi confianza y no me pago",
        "i woke up late and missed the bus",
        "my son touched my phone and broke it",
        "el profesor le toco el hombro a mi hijo para felicitarlo",
        "i need photos for my passport",
        # medical look-alikes
        "migracion no responde y no se que hacer",
        "no puedo respirar con este calor",
        "no puedo respirar de la ansiedad, necesito hablar con alguien",
        "mi caso no se mueve en migracion",
        "me estoy ahogando en deudas",
        "the company is drowning in debt",
        "my baby swallowed some water in the pool, is it ok?",
        "tengo dolor de pecho cuando toso, donde hay clinica",
        "se me durmio el brazo",
        "i had a stroke of luck, they found me a job",
        "the baby is coming to panama next month",
        "my son got hit by a car last year and needs therapy",
        "my sister overdosed last year and now she is in rehab",
        "my phone is dying",
        "where is the nearest hospital with ambulance service",
        "my business collapsed after the pandemic",
        "my mom is turning 60 tomorrow",
        # more everyday look-alikes (jokes, past, news, grief, documents, work)
        "me muero por ver a mis hijos",
        "casi me muero del susto cuando vi la multa jaja",
        "esa novela me mata de la risa",
        "me quiero ir a vivir a chiriqui",
        "ya no voy a estar en este numero, anota el nuevo",
        "dile a mis hijos que los quiero, les mando saludos desde panama",
        "perdonenme por escribir tan tarde",
        "adios y gracias por todo",
        "este es mi ultimo mensaje, gracias por la ayuda",
        "bye everyone, see you tomorrow",
        "goodbye and thanks for everything",
        "i mean it, you guys are the best",
        "i'm so done with this heat",
        "i'm tired of everything being so expensive here",
        "nobody noticed that i lost my id",
        "nobody would hire me without a work permit",
        "no one will give me a job without papers",
        "la verdad nadie me ayuda con el tramite",
        "nadie me contesta en la oficina de migracion",
        "mi abuela murio en venezuela y no pude ir al entierro",
        "estoy de luto por mi hermano, fallecio hace dos meses",
        "i lost my father last month and i can't sleep",
        "i feel sad all the time since i came, i need someone to talk to",
        "me siento sola y lloro mucho, hay psicologo?",
        "el machete es para trabajar en el campo",
        "i bought a knife for the kitchen",
        "my husband works as a security guard and has a gun license, can i get a permit",
        "los vecinos tienen fiesta y gritan mucho",
        "the neighbours are screaming at the football game",
        "someone stole my phone yesterday, how do i report it",
        "me robaron el celular ayer en el bus, donde denuncio",
        "hubo un tiroteo en mi pais y por eso me vine",
        "my son was bullied at school last year",
        "fui victima de violencia hace años, ahora estoy bien, busco trabajo",
        "i was in an abusive relationship years ago, now i'm safe, i need a job",
        "mi ex me dejo hace un año y estoy triste",
        "my ex won't pay child support, what can i do",
        "mi ex no me pasa la pension de los niños",
        "my husband is at home with the kids, can i come to the office tomorrow",
        "mi esposo esta aqui conmigo, podemos ir los dos a la cita?",
        "el esta aqui en panama desde hace dos años, puede pedir residencia?",
        "she is here with me, can she also register",
        "they found my passport at the police station",
        "me encontraron la cedula que perdi",
        "encontramos un apartamento en herrera",
        "i found a kid's backpack at the bus stop, where do i take it",
        "hay un niño nuevo en la escuela de mi hijo",
        "my daughter starts school in march, what documents do i need",
        "mi hija se quedo en colombia con su papa, como la traigo",
        "my son stays with his grandma after school",
        "mi hijo llega tarde de la escuela los martes porque tiene futbol",
        "what time do kids get out of school in panama",
        "mi jefe guarda las llaves del local",
        "my boss checks my work every day",
        "mi jefe revisa mis horas de trabajo",
        "they keep my deposit and don't return it",
        "el casero se quedo con mi deposito",
        "i owe money to the bank and they keep calling me",
        "tengo una deuda y me cobran intereses muy altos",
        "the agency charges a fee for the job, is that legal",
        "me pidieron el pasaporte en el banco para abrir la cuenta",
        "the police asked for my documents, is that normal",
        "mi jefe me pide fotos para el carnet",
        "i need a doctor for my daughter, she has a fever",
        "mi hijo tiene fiebre, donde hay un centro de salud",
        "necesito una pastilla para el dolor de cabeza",
        "where can i buy pills for my blood pressure",
        "mi bebe tiene tos, que hago",
        "necesito un examen de sangre para el permiso de trabajo",
        "my wife is pregnant, where can she give birth",
        "mi esposa esta embarazada, donde puede parir",
        "i took my medicine already, when is the next appointment",
        "my son fell off his bike, he has a small cut, where is a clinic",
        "la comida me envenena el alma jaja, esta muy salada",
        "i'm dead tired after work",
        "estoy muerta de cansancio",
        # what the new patterns themselves could wrongly catch
        "the migracion website is unresponsive",
        "can i finish it all online?",
        "they give covid shots outside the clinic",
        "the building is guarded by security people",
        "the workshop is held at the house of culture",
        "el precio del dolar se desplomo",
        "mi papa tuvo un derrame cerebral hace dos años, necesita terapia",
        "a mi papa le dio un derrame el año pasado, hay fisioterapia gratis?",
        "no puedo respirar tranquila con tantas deudas",
        "me toca a la fuerza trabajar el domingo",
        "mi vecino me toca la puerta todos los dias",
        "how do they find me if i write here",
        "can they find me",
        "the wind is banging the door all night",
        "i'm hiding in my room because i'm sad",
        "i'm getting my covid shot tomorrow",
        "my boss is firing me tomorrow, what are my rights",
        "he is firing people at the factory",
        "they will hurt my chances of getting residency",
        "mi ex no me deja ver a mis hijos, que hago",
        "my ex won't let me see my kids, what can i do",
        "casi se iba a matar en un accidente",
        "quiero dejar este mundo mejor para mis hijos",
        "el tramite ya termino con todo?",
        "i am storing my pills in the fridge",
        "i've been saving my pills because i can't afford them",
        "estoy ahorrando para comprar las pastillas de mi mama",
        "mi mama me obliga a acostarme temprano",
        "my dog ate a bone",
        "my smile is crooked, where is a dentist",
        "my son isn't home yet, he gets out at 3 o'clock, is that normal",
        "mi hija no ha llegado a panama, llega mañana de noche",
        "i have experience in labor and construction",
        "mi esposo trabaja de seguridad con una pistola, puede sacar permiso?",
        "my landlord came into my room when i was alone to fix the sink",
        "me encerre en el cuarto a llorar, estoy muy triste",
    ],
)
def test_look_alikes_of_indirect_danger_are_left_to_the_classifier(text: str) -> None:
    # idioms, jokes, past events, news, grief, school hours, documents, work: a false alarm
    # sends emergency numbers and opens an urgent case for the team
    assert LEXICON.category(text) is None


def test_no_pattern_rescans_the_message_at_every_position() -> None:
    # a leading `(?!.*...)` runs at each of a 4,000-character message's positions (seconds);
    # after the first word it runs only where that word is
    leading = [p.pattern for _, p in LEXICON.patterns if p.pattern.startswith("(?!.*")]
    assert leading == []


@pytest.mark.parametrize(
    "text",
    [
        # found by the training-data writers: a question, the past back home, an idiom, a name
        "will they call migracion?",
        "can they call immigration on me",
        "they gonna report me to migracion if i show up?",
        "si voy allá sin papeles me reportan a migración?",
        "en mi país me secuestraron hace 5 años y todavía tengo pesadillas",
        "me secuestraron hace dos años en el Darién, ya estoy bien pero no duermo",
        "casi me da un infarto de la emoción con el gol de Panamá jaja",
        "buenas tardes, mi nombre es Auxilio",
        "soy Auxilio, busco trabajo",
        "hey, Socorro's daughter here",
        # found by the fourth round's writers
        "mi suegra se llama Socorro y cumple años el sabado, q le regalo",
        "mi mama se llama Auxilio y necesita cita con el cardiologo",
        "my aunt socorro needs her diabetes meds refilled, where can she get them cheap",
        "my friend auxilio overstayed 2 yrs can she still get her papers",
        "my neighbor socorro makes the best empanadas, how do u make the dough",
        "socorro con los papeles jaja no entiendo nada la pagina de migracion",
        "mi equipo me va a matar de un infarto, perdimos otra vez en el ultimo minuto",
        "me van a matar con esa multa de migracion, es mucha plata, se puede rebajar?",
        "el año pasado tuve un infarto en venezuela, aqui donde me hago el control",
        "i almost fainted at work last week from the heat should i see a doctor",
        "whats a good movie about kidnapping like taken",
        "i cant go back to my country they will kill me, can i get refuge",
        # found by the fifth round's writers (2026-12-04)
        "Auxilio Pérez here, good morning",
        "Socorro is my mom, she needs a doctor for her diabetes",
        "Hello, I'm writing for Mrs. Auxilio Gómez, who would like information on refugee status",
        "yo can a person hit me up",
    ],
)
def test_worries_the_past_idioms_and_names_are_not_emergencies(text: str) -> None:
    assert LEXICON.category(text) is None


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("mi jefe dice que me va a reportar a migración si hablo", "trafficking"),
        ("me denuncian a migración si no pago", "trafficking"),
        ("my boss said he will call immigration on me if i complain", "trafficking"),
        ("he will call immigration on me if i go to the police", "trafficking"),
        ("secuestraron a mi hermano ayer", "trafficking"),
        ("creo que a mi papá le está dando un infarto", "medical"),
        ("¡AUXILIO!", "cry_for_help"),
        ("socorro, me quieren matar", "violence"),
        ("auxilio mi vecina se desmayo y no respira", "medical"),
        ("socorro ayudenme por favor", "cry_for_help"),
        ("mi marido me va a matar, ya viene", "violence"),
        ("a mi papá le dio un infarto, no responde", "medical"),
        ("my friend fainted and is not breathing", "medical"),
        ("they kidnapped my cousin this morning", "trafficking"),
        ("my husband says he will kill me if i go back to the house", "violence"),
        ("socorro they are here", "cry_for_help"),
        ("socorro socorro estan aqui", "cry_for_help"),
        ("auxilio, es mi marido, me pega", "violence"),
        ("he hit me up against the wall", "violence"),
        ("they keep hitting me", "violence"),
    ],
)
def test_the_threats_and_cries_next_to_them_are_still_caught(text: str, category: str) -> None:
    assert LEXICON.category(text) == category


@pytest.mark.parametrize(
    "text",
    [
        # danger told as over (the fifth round's writers and the fresh blind set, 2026-12-04)
        "3 years ago a man hit me with a bottle in Cucuta, I'm safe now, I just want asylum info",
        "mi jefe se quedo con mi pasaporte pa sacarme el permiso y ya me lo devolvio, como sigue",
        "a mi vecino le dio un infarto el mes pasado y ya esta en su casa recuperandose",
        "my daughter got lost for 3 days in the selva, we found her thank God, now I'm anxious",
        "last year my old boss kept my passport but i got it back, now i want my papers in order",
        "I was trafficked in 2021; I'm safe now, I'd like to know my residency options",
        # idioms, documents, games, documentaries
        "I lost my kid's birth certificate during the crossing",
        "I lost my son's vaccination card, how do I get a new one",
        "my wife beat me at dominoes again 😂",
        "I watched a documentary about human trafficking last night, scary stuff",
        "me voy a morir con lo que cobran de multa en migracion",
        "me estan matando los tramites de la residencia, por donde empiezo",
        "I feel dead inside sometimes, not that I want to hurt myself, I want to talk",
        "Auxilio here, from Barranquilla, I want to know about jobs",
        "im going to jump on the bus now",
        "manden a alguien a arreglar la luz",
        "the sea is calling me to go surfing lol",
        "my son ran away with the ball haha",
    ],
)
def test_danger_told_as_over_idioms_and_games_are_not_emergencies(text: str) -> None:
    assert LEXICON.category(text) is None


@pytest.mark.parametrize(
    ("text", "category"),
    [
        # an ongoing or renewed danger stays one, whatever the past around it
        ("hace dos años que mi marido me pega", "violence"),
        ("hace 2 años me pego y hoy volvio a amenazarme con un cuchillo", "violence"),
        ("3 years ago he started beating me and yesterday he did it again", "violence"),
        ("my boss kept my passport last year and still has it", "trafficking"),
        ("i was trafficked last year and they are outside my house", "trafficking"),
        ("mi hija se perdio ayer y no la encontramos", "missing_child"),
        ("el año pasado intente matarme y hoy quiero hacerlo otra vez", "suicide"),
        # said without the usual words
        ("I'm on the Puente de las Americas, I'm going to jump", "suicide"),
        ("standing by the sea at the Cinta Costera, the water is calling me", "suicide"),
        ("toy en el balcon del piso 15 y me quiero tirar", "suicide"),
        ("perdon por todo, ya no voy a ser una carga para nadie, adios", "suicide"),
        ("sería mejor para todos que yo no estuviera", "suicide"),
        ("everyone would be better off if i wasn't here", "suicide"),
        ("por favor manden a alguien, no puedo hablar", "cry_for_help"),
        ("send someone now please", "cry_for_help"),
        ("my cousin took too much of the drugs at the party and is shaking", "medical"),
        ("blood coming from his head and he can't speak", "medical"),
        ("my 12 year old ran away after a fight, since yesterday no news", "missing_child"),
        ("my son ran away from home last night", "missing_child"),
        ("they keep hitting me", "violence"),
    ],
)
def test_ongoing_danger_and_danger_without_the_usual_words_is_caught(
    text: str, category: str
) -> None:
    assert LEXICON.category(text) == category


def test_no_training_example_of_another_intent_matches_a_danger_phrase() -> None:
    """A danger phrase that fires on a training line of another intent would turn that
    message, and every one like it, into an emergency at run time: the lexicon and the
    training data must agree."""
    from rasa.shared.nlu.training_data.loading import load_data

    data = load_data(str(Path(__file__).resolve().parents[2] / "nlu" / "data" / "nlu"))
    firing = [
        (m.get("intent"), m.get("text"))
        for m in data.intent_examples
        if m.get("intent") != "emergency" and LEXICON.category(m.get("text")) is not None
    ]
    assert firing == []


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("el examen de historia de mañana me va a matar, me haces un resumen", None),
        ("auxilio mi telefono se lleno de fotos como borro espacio", None),
        ("mi marido dice que mañana me va a matar", "violence"),
        ("auxilio mi vecino me quiere matar", "violence"),
        ("auxilio!! ayudenme", "cry_for_help"),
    ],
)
def test_an_idiom_s_subject_and_a_phone_s_trouble_are_not_danger(
    text: str, category: str | None
) -> None:
    assert LEXICON.category(text) == category


def _example(text: str, intent: str, category: str | None = None) -> Message:
    data: dict[str, Any] = {"text": text, "intent": intent}
    if category:
        data["metadata"] = {"example": {"category": category}}
    return Message(data=data)


_LABELLED = [
    ("me escondi en el baño, el me pego y sigue afuera", "violence"),
    ("mi marido me golpea y hoy me amenazo", "violence"),
    ("he punched me and he is still in the house", "violence"),
    ("my husband is hitting me again", "violence"),
    ("se tomo todas las pastillas y no despierta", "medical"),
    ("my friend took pills and is not waking up", "medical"),
    ("no respira y esta morado", "medical"),
    ("he is not breathing, blood everywhere", "medical"),
    ("el jefe tiene mi pasaporte y no me deja salir", "trafficking"),
    ("they keep our passports and we work without pay", "trafficking"),
    ("nos tienen encerrados en la finca y dicen que debemos", "trafficking"),
    ("the boss locked us in and took our phones", "trafficking"),
]


def test_an_emergency_the_classifier_found_alone_gets_the_category_its_examples_taught(
    storage: LocalModelStorage, context: ExecutionContext, tmp_path: Path
) -> None:
    """No phrase matches these; the category model trained on the labelled examples decides,
    and the saved model does not need the training data or the lexicon file."""
    lexicon = tmp_path / "phrases.yml"
    lexicon.write_text("categories:\n  suicide:\n    - '\\bno quiero vivir\\b'\n")
    data = TrainingData(
        [_example(t, "emergency", c) for t, c in _LABELLED] + [_example("hola", "greet")]
    )
    resource = Resource("guard-categories")
    EmergencyGuard.create({"lexicon": str(lexicon)}, storage, resource, context).train(data)
    lexicon.unlink()
    guard = EmergencyGuard.load({}, storage, resource, context)

    hiding = _parsed("estoy escondida, el me golpeo y sigue en la casa", "emergency", 0.9)
    held = _parsed("the boss took our passports and locked the door", "emergency", 0.9)
    calm = _parsed("where do i renew my passport", "ask_regularization", 0.9)
    phrase = _parsed("ya no quiero vivir", "emergency", 0.9)
    guard.process([hiding, held, calm, phrase])

    assert hiding.get(GUARD_KEY) == {"category": "violence", "classifier_intent": "emergency"}
    assert held.get(GUARD_KEY) == {"category": "trafficking", "classifier_intent": "emergency"}
    # the model picks a hotline, never an emergency; a phrase's category comes first
    assert calm.get(GUARD_KEY) is None and calm.get("intent")["name"] == "ask_regularization"
    assert phrase.get(GUARD_KEY) == {"category": "suicide", "classifier_intent": "emergency"}


def test_an_unknown_category_in_the_training_data_stops_training() -> None:
    with pytest.raises(ValueError, match="unknown emergency category"):
        CategoryModel.category_of({"text": "x", "metadata": {"example": {"category": "fire"}}})
    assert CategoryModel.category_of({"text": "x"}) is None
    assert CategoryModel.fit([("a", "medical"), ("b", "medical")]) is None  # nothing to choose


def test_every_emergency_training_example_carries_its_hotline_category() -> None:
    """New emergency examples must come with the category that picks their hotline, or the
    category model learns from fewer of them without anyone noticing."""
    from rasa.shared.nlu.training_data.loading import load_data

    data = load_data(str(Path(__file__).resolve().parents[2] / "nlu" / "data" / "nlu"))
    emergencies = [m for m in data.intent_examples if m.get("intent") == "emergency"]
    missing = [m.get("text") for m in emergencies if CategoryModel.category_of(m.data) is None]
    assert emergencies and missing == []
    assert {CategoryModel.category_of(m.data) for m in emergencies} == CATEGORIES

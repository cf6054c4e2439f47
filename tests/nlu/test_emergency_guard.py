"""The danger-phrase safety net: what it must catch, what it must leave alone, and that a
trained model carries it (the server loads the persisted copy, not the file)."""

from pathlib import Path

import pytest
from rasa.engine.graph import ExecutionContext
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from nlu.components.danger_lexicon import DangerLexicon, LexiconError
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

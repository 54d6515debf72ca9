"""The words of the bAbI-style world: the people, places, objects and verb phrases of the
released tasks (Weston et al. 2015, "Towards AI-Complete Question Answering"), as far as the
paper's examples and the task descriptions show them."""
from __future__ import annotations

PEOPLE = ("Mary", "John", "Sandra", "Daniel")
PRONOUN = {"Mary": "she", "Sandra": "she", "John": "he", "Daniel": "he"}
PLACES = ("bathroom", "hallway", "garden", "office", "bedroom", "kitchen")
OBJECTS = ("football", "apple", "milk")

MOVE_VERBS = ("moved to", "went to", "travelled to", "journeyed to", "went back to")
GET_VERBS = ("picked up", "got", "grabbed", "took")
DROP_VERBS = ("dropped", "discarded", "put down", "left")
#: Openers of a sentence whose subject is a pronoun (tasks 11 and 13).
THEN_WORDS = ("Then", "After that", "Afterwards", "Following that")

NUMBER_WORDS = ("none", "one", "two", "three")

#: Task 15: kinds (singular, plural) and the names of individual animals.
KINDS = (("mouse", "mice"), ("sheep", "sheep"), ("wolf", "wolves"), ("cat", "cats"))
ANIMAL_NAMES = ("Gertrude", "Winona", "Jessica", "Emily")

#: Task 19: the places of the path-finding maps and the four directions with their letters.
MAP_PLACES = ("kitchen", "office", "bedroom", "garden", "bathroom", "hallway")
DIRECTIONS = {"north": (0, 1), "south": (0, -1), "east": (1, 0), "west": (-1, 0)}
DIRECTION_LETTER = {"north": "n", "south": "s", "east": "e", "west": "w"}
OPPOSITE = {"north": "south", "south": "north", "east": "west", "west": "east"}

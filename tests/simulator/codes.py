"""The SMS.dk response codes, copied verbatim from the official Postman collection's description.

The texts keep the originals' spelling and grammar ("is not a approved sender name", "do not
exist"): clients match on the code, but tests compare the message too, so a faithful copy matters.
"""

from __future__ import annotations

from typing import Final

# messageCode -> (HTTP status, message)
CODES: Final[dict[int, tuple[int, str]]] = {
    1000: (500, "Something went wrong."),
    1002: (400, 'Parameter "receiver" is required.'),
    1003: (400, 'Parameter "senderName" is required.'),
    1004: (400, 'Parameter "message" is required.'),
    1005: (400, 'Parameter "contactName" is required.'),
    1006: (400, 'Parameter "groupName" is required.'),
    1007: (400, 'Parameter "phoneNumber" required.'),
    1008: (400, 'Parameter "groupId" is required.'),
    1009: (409, "Format not recognized."),
    1010: (409, "Encoding format not recognized."),
    1011: (
        400,
        (
            'Parameter "senderName" is required and must be between 3 and max 11 characters'
            " in length. Or 15 digits."
        ),
    ),
    1012: (406, 'Characters not allowed in "senderName".'),
    1013: (409, 'Parameter "dlrUrl" is not a valid URL.'),
    1014: (409, "Phone number should be specified as a number."),
    1015: (409, "Country code and phone number do not match."),
    1016: (409, "No contacts in group."),
    1017: (409, 'Parameter "senderName" is not a approved sender name.'),
    1018: (400, "Could not create user."),
    1019: (400, "Could not update user."),
    1020: (400, "Could not delete user."),
    1021: (406, "A group with that name already exists."),
    1022: (406, "You have reached the limit of allowed groups."),
    1023: (400, "Group not found."),
    1024: (409, "There is no group(s) to return."),
    1025: (406, "Contact already exists."),
    1026: (409, "Contact not found."),
    1027: (400, "Contact not found in group."),
    1028: (409, 'Parameter "scheduled" needs to be at least 10 minutes in the future.'),
    1029: (409, "The date and time is not following the ISO 8601 standard."),
    1030: (402, "You do not have sufficient credits."),
    1031: (409, "Already exists"),
    1032: (400, "Must be between 3 and max 11 characters in length. Or 15 digits."),
    1033: (409, "Nothing to return"),
    1034: (400, "Groups with contacts, cannot be deleted."),
    1035: (409, 'Parameter "id" required.'),
    1036: (409, 'Parameter "username" required.'),
    1037: (401, "Login credentials invalid."),
    1038: (401, "Basic authentication missing."),
    1039: (401, "Password not changed."),
    1040: (409, "One or more parameters missing."),
    1041: (409, 'Parameter "countryCode" is required.'),
    1042: (409, "Contactname is too short. I must be at least 2 characters long."),
    1043: (409, "Country code is wrong. It must consist of exactly two characters."),
    1044: (409, "Data is missing."),
    1045: (409, "Phone number is not valid."),
    1046: (409, 'Max 50 chars in "userReference".'),
    1047: (409, 'Parameter "receiver" needs to be a digit.'),
    1048: (409, 'Define parameter "reference" or a "batchId".'),
    1049: (409, "There is no record to delete."),
    1050: (409, "There is a cool down. remaining:"),
    1051: (404, "The End point you are trying to reach do not exist."),
    1052: (401, "No user found."),
    1053: (409, "Token is missing."),
    1054: (401, "Invalid token."),
    1055: (401, "Action not permitted."),
    1056: (401, "Points not transferred."),
    1057: (401, "Users with points and no parent user, can't be deleted."),
    1058: (401, "User does not have a key set."),
    1059: (409, "See specific error in returned rejected array."),
    1060: (409, 'Parameter "receiver" must be of numeric characters only.'),
    1061: (400, "User already exists."),
    1062: (406, "Dial code is missing."),
    1063: (409, "Phone number too short"),
    1064: (409, "Phone number too long"),
    1065: (409, "Phone number might be a local number"),
    1066: (409, "The country is not supported"),
    3000: (207, "Mixed result"),
    5000: (200, "Action succeeded."),
    5001: (200, "Contact created."),
    5002: (200, "Group created."),
    5003: (200, "User created."),
    5004: (200, "Contact updated."),
    5005: (200, "Group updated."),
    5006: (200, "User updated."),
    5007: (200, "Created."),
    5008: (200, "Updated."),
    5009: (200, "Contact removed."),
    5010: (200, "Removed."),
    5011: (200, "Contact deleted."),
    5012: (200, "Group deleted."),
    5013: (200, "User deleted."),
    5014: (200, "Deleted."),
}


def http_status(code: int) -> int:
    """Return the HTTP status the table gives for a response code."""
    return CODES[code][0]


def message(code: int) -> str:
    """Return the exact message text the table gives for a response code."""
    return CODES[code][1]

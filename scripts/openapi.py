#!/usr/bin/env python3
"""The OpenAPI 3.1 description of `cass serve`'s HTTP API.

This script is the maintained source: it writes
Sources/CASSService/OpenAPIDocument.swift (the document the service serves
at GET /api/v1/openapi.json) and docs/openapi.json (the same bytes, for
readers and tools). `scripts/openapi.py --check` fails when either file is
not what this script writes; the test command runs it, and a Swift test
checks that every route of the service's router is described here and
every path described here is routed.
"""
import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

def ref(name):
    return {"$ref": f"#/components/schemas/{name}"}

def problem(*codes):
    out = {}
    titles = {
        400: "Malformed request", 401: "No valid credentials", 403: "The role lacks this right",
        404: "No such object (or one of another company)", 405: "Method not allowed",
        409: "Conflicts with the current state", 413: "Body too large", 415: "Unsupported media type",
        422: "Invalid input", 429: "Too many failed logins", 431: "Request headers too large",
        503: "Not ready",
    }
    for code in codes:
        out[str(code)] = {"description": titles[code], "content": {"application/problem+json": {"schema": ref("Problem")}}}
    return out

def ok(code, description, schema=None, media="application/json"):
    body = {"description": description}
    if schema is not None:
        body["content"] = {media: {"schema": schema}}
    return {str(code): body}

def page(item):
    return {"type": "object", "required": ["items", "next"], "additionalProperties": False,
            "properties": {"items": {"type": "array", "items": ref(item)}, "next": {"type": ["string", "null"]}}}

def q(name, description, schema=None, required=False):
    return {"name": name, "in": "query", "required": required, "description": description, "schema": schema or {"type": "string"}}

def p(name, description, schema=None):
    return {"name": name, "in": "path", "required": True, "description": description, "schema": schema or {"type": "string"}}

COUNTRY = {"type": "string", "pattern": "^[A-Z]{2}$"}
PERIOD = {"type": "string", "pattern": "^[0-9]{6}0[1-4]$"}
# The accounts routes (disputes, wallet, risk) share the portal's filters,
# whose "all" choices send an empty value: empty country, status or grade
# filters nothing.
COUNTRY_OR_EMPTY = {"type": "string", "pattern": "^([A-Z]{2})?$", "description": "empty: every operation"}
DATE = {"type": "string", "format": "date", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"}
MINOR = {"type": "integer", "format": "int64"}
PAGING = [q("limit", "page size (default 100, at most 1000)", {"type": "integer", "minimum": 1, "maximum": 1000}),
          q("after", "the cursor `next` of the previous page")]
AUTH_ERRORS = (400, 401)
JSON_BODY_ERRORS = (400, 401, 413, 415, 422)
IDEMPOTENCY = {"name": "Idempotency-Key", "in": "header", "required": False,
               "description": "1-200 printable ASCII characters: a retried request with the same key (from the same company, "
                              "for the same object) is the same request and is recorded once; the same key with another body is 409",
               "schema": {"type": "string", "minLength": 1, "maxLength": 200}}

# The limits of docs/access.md "Limits" that a schema can state; the rest
# (a username's bytes, a known company, a password's 4,096 bytes) are the
# service's 422.
LANGUAGE = {"type": "string", "enum": ["en", "fr", "es", "de", "zh-Hans", "ja", "ko", "ar"]}
PASSWORD = {"type": "string", "minLength": 12, "maxLength": 1024, "description": "12-1,024 characters and at most 4,096 bytes"}
NAME = {"type": "string", "maxLength": 200}
EMAIL = {"type": "string", "maxLength": 254}
OPERATIONS = {"type": "array", "minItems": 1, "items": {"type": "string"},
              "description": "[\"*\"] (every operation) or operation countries"}

def body(schema, media="application/json", required=True):
    return {"required": required, "content": {media: {"schema": schema}}}

schemas = {
    "Problem": {
        "type": "object", "required": ["type", "title", "status"],
        "description": "RFC 9457 problem details",
        "properties": {
            "type": {"type": "string"}, "title": {"type": "string"}, "status": {"type": "integer"},
            "detail": {"type": "string"}, "instance": {"type": "string"},
            "errors": {"type": "array", "items": {"type": "object", "required": ["field", "message"],
                       "properties": {"field": {"type": "string"}, "message": {"type": "string"}}}},
        },
    },
    "Login": {"type": "object", "required": ["username", "password"], "additionalProperties": False,
              "properties": {"username": {"type": "string"}, "password": {"type": "string"}}},
    "Session": {"type": "object", "required": ["token", "expiresAt"], "additionalProperties": False,
                "properties": {"token": {"type": "string"}, "expiresAt": {"type": "string", "format": "date-time"}}},
    "Activation": {"type": "object", "required": ["token", "password"], "additionalProperties": False,
                   "properties": {"token": {"type": "string"}, "password": PASSWORD}},
    "User": {
        "type": "object", "additionalProperties": False,
        "required": ["username", "company", "role", "name", "email", "language", "operations", "disabled"],
        "properties": {
            "username": {"type": "string"}, "company": {"type": "string"},
            "role": {"type": "string", "enum": ["viewer", "input", "output", "admin"]},
            "name": {"type": "string"}, "email": {"type": "string"}, "language": {"type": "string"},
            "operations": {"type": "array", "items": {"type": "string"}}, "disabled": {"type": "boolean"},
        },
    },
    "UserCreate": {
        "type": "object", "required": ["username", "company", "role", "name", "email", "language", "password"],
        "additionalProperties": False,
        "properties": {
            "username": {"type": "string", "description": "3-64 bytes"}, "company": {"type": "string"},
            "role": {"type": "string", "enum": ["viewer", "input", "output", "admin"]},
            "name": NAME, "email": EMAIL, "language": LANGUAGE, "operations": OPERATIONS, "password": PASSWORD,
        },
    },
    "UserPatch": {
        "type": "object", "additionalProperties": False,
        "properties": {
            "role": {"type": "string", "enum": ["viewer", "input", "output", "admin"]},
            "name": NAME, "email": EMAIL, "language": LANGUAGE, "operations": OPERATIONS, "disabled": {"type": "boolean"},
            "password": {**PASSWORD, "description": "only on /users/me; " + PASSWORD["description"]},
        },
    },
    "SSHKey": {"type": "object", "required": ["type", "fingerprint", "comment"], "additionalProperties": False,
               "properties": {"type": {"type": "string"}, "fingerprint": {"type": "string"}, "comment": {"type": "string"}}},
    "AuditEntry": {
        "type": "object", "required": ["at", "by", "action", "object", "from"],
        "properties": {"at": {"type": "string", "format": "date-time"}, "by": {"type": "string"},
                       "action": {"type": "string"}, "object": {"type": "string"}, "from": {"type": "string"},
                       "detail": {"type": "string"}},
    },
    "FileSubmitted": {"type": "object", "required": ["id", "name", "status"],
                      "properties": {"id": {"type": "string"}, "name": {"type": "string"},
                                     "status": {"type": "string", "enum": ["received", "accepted", "rejected", "withdrawn"]}}},
    "File": {
        "type": "object", "additionalProperties": False,
        "required": ["id", "name", "airline", "country", "period", "fileSequence", "status", "records", "accepted",
                     "rejected", "fileCode", "submittedBy", "submittedAt"],
        "properties": {
            "id": {"type": "string"}, "name": {"type": "string"}, "airline": {"type": "string"},
            "country": {"type": "string"}, "period": {"type": "string"},
            "fileSequence": {"type": ["integer", "null"]},
            "status": {"type": "string", "enum": ["received", "accepted", "rejected", "withdrawn"]},
            "records": {"type": "integer"}, "accepted": {"type": "integer"}, "rejected": {"type": "integer"},
            "fileCode": {"type": ["string", "null"]}, "submittedBy": {"type": "string"},
            "submittedAt": {"type": "string", "format": "date-time"},
            "message": {"type": "string", "description": "why the file was rejected, in words"},
            "size": {"type": "integer", "description": "bytes as uploaded"},
        },
    },
    "PeriodClose": {"type": "object", "required": ["country", "period", "status"], "additionalProperties": False,
                    "properties": {"country": {"type": "string"}, "period": {"type": "string"},
                                   "status": {"type": "string", "enum": ["closing", "closed"]}}},
    "Rejection": {
        "type": "object", "required": ["file", "airline", "country", "period", "sequence", "code", "awb", "field", "message"],
        "properties": {
            "file": {"type": "string"}, "airline": {"type": "string"}, "country": {"type": "string"},
            "period": {"type": "string"}, "sequence": {"type": "integer"},
            "code": {"type": "string", "pattern": "^[FR][0-9]{2}$"}, "awb": {"type": "string"},
            "field": {"type": "string"}, "message": {"type": "string"},
        },
    },
    "Validation": {
        "type": "object", "required": ["fileCode", "records", "accepted", "rejections"],
        "properties": {"fileCode": {"type": ["string", "null"]}, "records": {"type": "integer"},
                       "accepted": {"type": "integer"}, "rejections": {"type": "array", "items": ref("Rejection")}},
    },
    "WithdrawalRefused": {
        "description": "RFC 9457 problem details of a refused withdrawal: why, and for a conflict the later files "
                       "whose accepted records (a CCA or a memo) refer to the file's AWBs",
        "allOf": [ref("Problem"), {
            "type": "object", "required": ["reason", "files"],
            "properties": {
                "reason": {"type": "string", "enum": ["periodClosed", "alreadyWithdrawn", "notAccepted", "conflict"]},
                "files": {"type": "array", "items": {"type": "object", "required": ["id", "name"],
                          "properties": {"id": {"type": "string"}, "name": {"type": "string"}}}},
            }}],
    },
    "Operation": {"type": "object", "required": ["country", "currency", "name"],
                  "properties": {"country": {"type": "string"}, "currency": {"type": "string"}, "name": {"type": "string"}}},
    "Period": {"type": "object", "required": ["period", "status", "files", "records", "invoices"],
               "properties": {"period": {"type": "string"}, "status": {"type": "string", "enum": ["open", "closing", "closed"]},
                              "files": {"type": "integer"}, "records": {"type": "integer"}, "invoices": {"type": "integer"}}},
    "InvoiceSummary": {
        "type": "object",
        "required": ["number", "country", "period", "agent", "currency", "totalMinor", "status", "paidMinor", "outstandingMinor"],
        "properties": {
            "number": {"type": "string"}, "country": {"type": "string"}, "period": {"type": "string"},
            "agent": {"type": "string"}, "currency": {"type": "string"}, "totalMinor": MINOR,
            "status": {"type": "string", "enum": ["open", "partly-paid", "paid", "overdue", "default", "credit"]},
            "paidMinor": MINOR, "outstandingMinor": MINOR,
        },
    },
    "InvoiceLine": {
        "type": "object", "required": ["awb", "transaction", "amountMinor"],
        "properties": {
            "awb": {"type": "string"}, "transaction": {"type": "string", "enum": ["AWB", "CCA", "DCM", "CCM"]},
            "issueDate": DATE, "origin": {"type": "string"}, "destination": {"type": "string"},
            "chargesIndicator": {"type": "string", "enum": ["P", "C"]},
            "chargeableWeightTenthsKg": MINOR, "weightChargeMinor": MINOR, "valuationChargeMinor": MINOR,
            "otherChargesDueCarrierMinor": MINOR, "commissionMinor": MINOR, "incentiveMinor": MINOR,
            "amountMinor": MINOR, "reasonCode": {"type": "string"},
        },
    },
    "Tax": {"type": "object", "required": ["code", "direction", "baseMinor", "amountMinor"],
            "properties": {"code": {"type": "string"}, "description": {"type": "string"},
                           "direction": {"type": "string", "enum": ["charged", "credited"]},
                           "rateHundredthsPercent": {"type": "integer"}, "baseMinor": MINOR, "amountMinor": MINOR}},
    "InvoiceSection": {
        "type": "object", "required": ["airline", "lines", "taxes", "netDueMinor", "totalMinor"],
        "properties": {"airline": {"type": "string"}, "airlineName": {"type": "string"},
                       "lines": {"type": "array", "items": ref("InvoiceLine")}, "taxes": {"type": "array", "items": ref("Tax")},
                       "netDueMinor": MINOR, "taxChargedMinor": MINOR, "taxCreditedMinor": MINOR, "totalMinor": MINOR},
    },
    "Payment": {"type": "object", "required": ["id", "amountMinor", "method", "date", "reference"],
                "properties": {"id": {"type": "string"}, "amountMinor": MINOR,
                               "method": {"type": "string", "enum": ["bank-transfer", "direct-debit", "card", "wallet", "credit"]},
                               "date": DATE, "reference": {"type": "string"}}},
    "PaymentCreate": {"type": "object", "required": ["amountMinor", "method"], "additionalProperties": False,
                      "properties": {"amountMinor": {**MINOR, "minimum": 1},
                                     "method": {"type": "string", "enum": ["bank-transfer", "direct-debit", "card", "wallet"],
                                                "description": "wallet draws on the agent's wallet (409 when it holds less)"},
                                     "date": {**DATE, "description": "not after today; default today"},
                                     "reference": {"type": "string", "maxLength": 200, "description": "default empty"}}},
    "PaymentRecorded": {
        "type": "object", "additionalProperties": False,
        "required": ["id", "invoice", "amountMinor", "method", "date", "reference", "status", "paidMinor", "outstandingMinor"],
        "properties": {"id": {"type": "string"}, "invoice": {"type": "string"}, "amountMinor": MINOR,
                       "method": {"type": "string", "enum": ["bank-transfer", "direct-debit", "card", "wallet"]},
                       "date": DATE, "reference": {"type": "string"},
                       "status": {"type": "string", "enum": ["open", "partly-paid", "paid", "overdue", "default", "credit"]},
                       "paidMinor": MINOR, "outstandingMinor": MINOR}},
    "Invoice": {
        "allOf": [ref("InvoiceSummary"), {
            "type": "object", "required": ["invoiceDate", "remittanceDate", "sections", "payments", "disputes"],
            "properties": {
                "invoiceDate": DATE, "remittanceDate": DATE, "agentName": {"type": "string"}, "minorDigits": {"type": "integer"},
                "lines": {"type": "integer"}, "netDueMinor": MINOR, "taxChargedMinor": MINOR, "taxCreditedMinor": MINOR,
                "sections": {"type": "array", "items": ref("InvoiceSection")},
                "payments": {"type": "array", "items": ref("Payment")},
                "disputes": {"type": "array", "items": ref("Dispute")},
            }}],
    },
    "Settlement": {"type": "object", "required": ["country", "period", "airline", "currency", "agents", "disbursementMinor"],
                   "properties": {"country": {"type": "string"}, "period": {"type": "string"}, "airline": {"type": "string"},
                                  "currency": {"type": "string"}, "agents": {"type": "integer"}, "disbursementMinor": MINOR}},
    "DisputeStep": {"type": "object", "required": ["at", "by", "action", "amountMinor", "reason"], "additionalProperties": False,
                    "properties": {"at": {**DATE, "description": "the business day of the step"},
                                   "by": {"type": "string", "description": "a username, or system for an escalation"},
                                   "action": {"type": "string", "enum": ["raised", "accepted", "rejected", "withdrawn", "escalated"]},
                                   "amountMinor": {"type": ["integer", "null"], "description": "raised: disputed; accepted: accepted"},
                                   "reason": {"type": ["string", "null"], "description": "raised: the agent's; rejected: the answer's"}}},
    "Dispute": {
        "type": "object", "additionalProperties": False,
        "required": ["id", "country", "invoice", "awb", "agent", "airline", "amountMinor", "acceptedMinor", "status", "reason",
                     "raisedOn", "escalatesOn", "memoPeriod", "history"],
        "properties": {
            "id": {"type": "string"}, "country": COUNTRY, "invoice": {"type": "string"},
            "awb": {"type": "string", "pattern": "^[0-9]{3}-[0-9]{8}$"}, "agent": {"type": "string", "pattern": "^[0-9]{11}$"},
            "airline": {"type": "string", "pattern": "^[0-9]{3}$"}, "amountMinor": MINOR,
            "acceptedMinor": {**MINOR, "description": "0 until accepted"},
            "status": {"type": "string", "enum": ["open", "escalated", "accepted", "rejected", "withdrawn"]},
            "reason": {"type": "string"}, "raisedOn": DATE,
            "escalatesOn": {**DATE, "description": "from this day an unanswered dispute is escalated (the cass admin answers)"},
            "memoPeriod": {"type": ["string", "null"], "description": "accepted: the period its DSP credit memo is billed in"},
            "history": {"type": "array", "items": ref("DisputeStep")},
        },
    },
    "DisputeCreate": {"type": "object", "required": ["invoice", "awb", "reason"], "additionalProperties": False,
                      "properties": {"invoice": {"type": "string"}, "awb": {"type": "string", "pattern": "^[0-9]{3}-[0-9]{8}$"},
                                     "amountMinor": {**MINOR, "minimum": 1,
                                                     "description": "default: the sum of the AWB's line amounts on the invoice"},
                                     "reason": {"type": "string", "minLength": 1, "maxLength": 1000}}},
    "DisputeAccept": {"type": "object", "additionalProperties": False,
                      "properties": {"amountMinor": {**MINOR, "minimum": 1, "description": "default: all of the disputed amount"}}},
    "DisputeReject": {"type": "object", "required": ["reason"], "additionalProperties": False,
                      "properties": {"reason": {"type": "string", "minLength": 1, "maxLength": 1000}}},
    "Wallet": {"type": "object", "additionalProperties": False,
               "required": ["company", "country", "agent", "currency", "balanceMinor", "creditMinor", "directDebit"],
               "properties": {"company": {"type": "string"}, "country": COUNTRY, "agent": {"type": "string"},
                              "currency": {"type": "string"}, "balanceMinor": MINOR,
                              "creditMinor": {**MINOR, "description": "overpayments not yet applied to a later invoice"},
                              "directDebit": {"type": "boolean"}}},
    "TopUp": {"type": "object", "required": ["country", "amountMinor"], "additionalProperties": False,
              "properties": {"country": COUNTRY, "amountMinor": {**MINOR, "minimum": 1},
                             "reference": {"type": "string", "maxLength": 200},
                             "company": {"type": "string", "description": "the agent company (cass admin; a group with several "
                                                                          "members in the country); default the caller's"}}},
    "Risk": {"type": "object", "required": ["country", "agent", "exposureMinor", "guaranteeMinor", "ratioPercent", "delayDays", "grade"],
             "additionalProperties": False,
             "properties": {"country": COUNTRY, "agent": {"type": "string"}, "exposureMinor": MINOR,
                            "guaranteeMinor": MINOR,
                            "ratioPercent": {"type": ["number", "null"], "description": "one decimal; null when infinite (no guarantee)"},
                            "delayDays": {"type": "integer"}, "grade": {"type": "string", "enum": ["A", "B", "C", "D"]}}},
    "Statistics": {
        "type": "object", "required": ["country", "period", "currency", "files", "records", "netBilledByAirline",
                                       "invoices", "disputes"],
        "description": "scoped to the caller's company: an agent's own invoices; an airline's own sections of the invoices "
                       "that carry them (no paidMinor or outstandingMinor: those are its agents' accounts); cass everything",
        "properties": {
            "country": {"type": "string"}, "period": {"type": "string"}, "currency": {"type": "string"},
            "files": {"type": "object", "additionalProperties": {"type": "integer"},
                      "description": "files by status: received, accepted, rejected, withdrawn"},
            "records": {"type": "object", "required": ["accepted", "rejected", "rejectedByCode"],
                        "properties": {"accepted": {"type": "integer"}, "rejected": {"type": "integer"},
                                       "rejectedByCode": {"type": "object", "additionalProperties": {"type": "integer"}}}},
            "netBilledByAirline": {"type": "array", "items": {"type": "object", "required": ["airline", "netMinor"],
                                   "properties": {"airline": {"type": "string"}, "netMinor": MINOR, "paidMinor": MINOR}}},
            "invoices": {"type": "integer"}, "paidMinor": MINOR, "outstandingMinor": MINOR,
            "disputes": {"type": "object", "additionalProperties": {"type": "integer"},
                         "description": "disputes by state"},
            "filesPerHour": {"type": "array", "items": {"type": "object", "properties": {
                "hour": {"type": "string"}, "files": {"type": "integer"}, "records": {"type": "integer"}}}},
        },
    },
    "Settings": {
        "type": "object", "required": ["language", "formats", "distribution", "webhooks", "emails"], "additionalProperties": False,
        "description": "PUT takes the whole object; directDebit is required for agent companies and refused for others",
        "properties": {
            "language": {"type": "string", "enum": ["en", "fr", "es", "de", "zh-Hans", "ja", "ko", "ar"]},
            "formats": {"type": "array", "maxItems": 16, "items": {"type": "string", "enum": ["pdf", "xlsx", "hot", "xml"]}},
            "distribution": {"type": "array", "maxItems": 16, "items": {"type": "string", "enum": ["download", "sftp"]}},
            "webhooks": {"type": "array", "maxItems": 10, "items": {
                "type": "object", "required": ["url", "secret"], "additionalProperties": False,
                "properties": {"url": {"type": "string", "maxLength": 2048, "pattern": "^[hH][tT][tT][pP][sS]?://"},
                               "secret": {"type": "string", "minLength": 1, "maxLength": 256}}}},
            "emails": {"type": "array", "maxItems": 20, "items": {"type": "string", "maxLength": 254}},
            "directDebit": {"type": "boolean", "description": "agents only: collect every outstanding amount on its remittance date"},
            "warnings": {"type": "array", "readOnly": True, "maxItems": 10, "items": {"type": "string"},
                         "description": "read-only, present when there is something to say (a webhook over plain http); PUT ignores it"},
        },
    },
    "Health": {"type": "object", "required": ["status"], "properties": {"status": {"type": "string"}}},
}

CSV = {"type": "string"}
paths = {
    "/healthz": {"get": {"summary": "200 once the service takes requests", "security": [], "operationId": "health",
                         "responses": {**ok(200, "ready", ref("Health")), **problem(503)}}},
    "/api/v1/openapi.json": {"get": {"summary": "this document", "security": [], "operationId": "openapi",
                                     "responses": ok(200, "OpenAPI 3.1", {"type": "object"})}},
    "/api/v1/sessions": {"post": {
        "summary": "log in", "security": [], "operationId": "login", "requestBody": body(ref("Login")),
        "responses": {**ok(201, "a session", ref("Session")), **problem(400, 401, 413, 415, 422, 429)}}},
    "/api/v1/sessions/current": {"delete": {
        "summary": "log out (ends this token)", "operationId": "logout",
        "responses": {"204": {"description": "ended"}, **problem(*AUTH_ERRORS)}}},
    "/api/v1/activations": {"post": {
        "summary": "set a migrated user's password once", "security": [], "operationId": "activate",
        "requestBody": body(ref("Activation")),
        "responses": {"204": {"description": "password set"}, **problem(400, 404, 413, 415, 422)}}},
    "/api/v1/users": {
        "get": {"summary": "users of the caller's company (all for the cass admin)", "operationId": "listUsers",
                "parameters": [q("company", "only this company's users")] + PAGING,
                "responses": {**ok(200, "a page of users", page("User")), **problem(*AUTH_ERRORS, 403)}},
        "post": {"summary": "create a user", "operationId": "createUser", "requestBody": body(ref("UserCreate")),
                 "responses": {**ok(201, "created", ref("User")), **problem(*JSON_BODY_ERRORS, 403, 404, 409)}}},
    "/api/v1/users/me": {
        "get": {"summary": "the caller", "operationId": "getMe",
                "responses": {**ok(200, "the caller", ref("User")), **problem(*AUTH_ERRORS)}},
        "patch": {"summary": "change the caller's name, email, language or password", "operationId": "patchMe",
                  "requestBody": body(ref("UserPatch")),
                  "responses": {**ok(200, "changed", ref("User")), **problem(*JSON_BODY_ERRORS, 403, 409)}}},
    "/api/v1/users/{username}": {
        "parameters": [p("username", "a username")],
        "get": {"summary": "one user", "operationId": "getUser",
                "responses": {**ok(200, "the user", ref("User")), **problem(*AUTH_ERRORS, 403, 404)}},
        "patch": {"summary": "change a user", "operationId": "patchUser", "requestBody": body(ref("UserPatch")),
                  "responses": {**ok(200, "changed", ref("User")), **problem(*JSON_BODY_ERRORS, 403, 404, 409)}},
        "delete": {"summary": "delete a user", "operationId": "deleteUser",
                   "responses": {"204": {"description": "deleted"}, **problem(*AUTH_ERRORS, 403, 404, 409)}}},
    "/api/v1/users/{username}/ssh-keys": {
        "parameters": [p("username", "a username")],
        "get": {"summary": "the user's SSH public keys", "operationId": "getSSHKeys",
                "responses": {**ok(200, "the keys", page("SSHKey")), **problem(*AUTH_ERRORS, 403, 404)}},
        "put": {"summary": "replace the user's SSH public keys (OpenSSH public key lines)", "operationId": "putSSHKeys",
                "requestBody": {**body({"type": "string"}, media="text/plain", required=False),
                                "description": "one OpenSSH public key per line; an empty or missing body removes every key"},
                "responses": {**ok(200, "the keys now", page("SSHKey")), **problem(400, 401, 403, 404, 413, 415, 422)}}},
    "/api/v1/audit": {"get": {
        "summary": "the audit trail (cass admin)", "operationId": "audit",
        "parameters": [q("company", "only changes concerning this company")] + PAGING,
        "responses": {**ok(200, "a page of entries", page("AuditEntry")), **problem(*AUTH_ERRORS, 403)}}},
    "/api/v1/files": {
        "get": {"summary": "billing files in the caller's scope", "operationId": "listFiles",
                "parameters": [q("country", "operation", COUNTRY), q("period", "billing period", PERIOD),
                               q("status", "file status", {"type": "string", "enum": ["received", "accepted", "rejected", "withdrawn"]})] + PAGING,
                "responses": {**ok(200, "a page of files", page("File")), **problem(*AUTH_ERRORS, 403)}},
        "post": {"summary": "upload a billing file (CBF, ONE Record XML or JSON-LD, recognised by content)",
                 "operationId": "uploadFile", "parameters": [q("name", "the file's name", required=True), IDEMPOTENCY],
                 "requestBody": body({"type": "string", "format": "binary"}, media="application/octet-stream"),
                 "responses": {**ok(201, "received", ref("FileSubmitted")), **problem(400, 401, 403, 409, 413, 422)}}},
    "/api/v1/files/validate": {"post": {
        "summary": "what the file would get now (nothing kept)", "operationId": "validateFile",
        "parameters": [q("name", "the file's name", required=True)],
        "requestBody": body({"type": "string", "format": "binary"}, media="application/octet-stream"),
        "responses": {**ok(200, "the verdict", ref("Validation")), **problem(400, 401, 403, 413, 422, 503)}}},
    "/api/v1/files/{id}": {
        "parameters": [p("id", "a file id")],
        "get": {"summary": "one file", "operationId": "getFile",
                "responses": {**ok(200, "the file", ref("File")), **problem(*AUTH_ERRORS, 404)}}},
    "/api/v1/files/{id}/rejections": {
        "parameters": [p("id", "a file id")],
        "get": {"summary": "the file's rejections", "operationId": "getFileRejections", "parameters": PAGING,
                "responses": {**ok(200, "a page of rejections", page("Rejection")), **problem(*AUTH_ERRORS, 404)}}},
    "/api/v1/files/{id}/content": {
        "parameters": [p("id", "a file id")],
        "get": {"summary": "the file's bytes as uploaded", "operationId": "getFileContent",
                "responses": {**ok(200, "the bytes", {"type": "string", "format": "binary"}, media="application/octet-stream"),
                              **problem(*AUTH_ERRORS, 403, 404)}}},
    "/api/v1/files/{id}/withdraw": {
        "parameters": [p("id", "a file id")],
        "post": {"summary": "take an accepted file out of its open period", "operationId": "withdrawFile",
                 "responses": {**ok(200, "withdrawn", ref("File")), **problem(*AUTH_ERRORS, 403, 404, 503),
                               "409": {"description": "refused: the period is closed, the file is already withdrawn or not accepted, "
                                                      "or later files refer to its AWBs (named)",
                                       "content": {"application/problem+json": {"schema": ref("WithdrawalRefused")}}}}}},
    "/api/v1/operations": {"get": {
        "summary": "operations in the caller's scope", "operationId": "listOperations", "parameters": PAGING,
        "responses": {**ok(200, "a page of operations", page("Operation")), **problem(*AUTH_ERRORS)}}},
    "/api/v1/operations/{country}/periods": {
        "parameters": [p("country", "operation", COUNTRY)],
        "get": {"summary": "the operation's periods", "operationId": "listPeriods", "parameters": PAGING,
                "responses": {**ok(200, "a page of periods", page("Period")), **problem(*AUTH_ERRORS, 404)}}},
    "/api/v1/operations/{country}/periods/{period}/close": {
        "parameters": [p("country", "operation", COUNTRY), p("period", "billing period", PERIOD)],
        "post": {"summary": "close a period (cass admin); its invoices are issued", "operationId": "closePeriod",
                 "responses": {**ok(200, "already closed", ref("PeriodClose")), **ok(202, "closing", ref("PeriodClose")),
                               **problem(*AUTH_ERRORS, 403, 404, 422)}}},
    "/api/v1/reports/settlement-agents.csv": {"get": {
        "summary": "settlement-agents.csv of the closed periods in scope", "operationId": "reportAgents",
        "parameters": [q("country", "operation", COUNTRY), q("period", "billing period", PERIOD)],
        "responses": {**ok(200, "CSV", CSV, media="text/csv"), **problem(*AUTH_ERRORS)}}},
    "/api/v1/reports/settlement-airlines.csv": {"get": {
        "summary": "settlement-airlines.csv of the closed periods in scope", "operationId": "reportAirlines",
        "parameters": [q("country", "operation", COUNTRY), q("period", "billing period", PERIOD)],
        "responses": {**ok(200, "CSV", CSV, media="text/csv"), **problem(*AUTH_ERRORS)}}},
    "/api/v1/reports/rejections.csv": {"get": {
        "summary": "rejections.csv of the closed periods in scope", "operationId": "reportRejections",
        "parameters": [q("country", "operation", COUNTRY), q("period", "billing period", PERIOD)],
        "responses": {**ok(200, "CSV", CSV, media="text/csv"), **problem(*AUTH_ERRORS)}}},
    "/api/v1/invoices": {"get": {
        "summary": "the caller's invoices (all for cass; none for airlines)", "operationId": "listInvoices",
        "parameters": [q("country", "operation", COUNTRY), q("period", "billing period", PERIOD),
                       q("status", "payment status", {"type": "string", "enum": ["open", "partly-paid", "paid", "overdue", "default", "credit"]}),
                       q("company", "only this company's invoices")] + PAGING,
        "responses": {**ok(200, "a page of invoices", page("InvoiceSummary")), **problem(*AUTH_ERRORS)}}},
    "/api/v1/invoices/{number}": {
        "parameters": [p("number", "an invoice number")],
        "get": {"summary": "an invoice in full", "operationId": "getInvoice",
                "responses": {**ok(200, "the invoice", ref("Invoice")), **problem(*AUTH_ERRORS, 404)}}},
    "/api/v1/invoices/{number}/documents/{format}": {
        "parameters": [p("number", "an invoice number"),
                       p("format", "document format", {"type": "string", "enum": ["pdf", "xlsx", "hot", "xml"]})],
        "get": {"summary": "the Cargo Sales Report in that format (the PDF and XLSX show the payment summary as it stands today)", "operationId": "getInvoiceDocument",
                "responses": {"200": {"description": "the document", "content": {
                    "application/pdf": {"schema": {"type": "string", "format": "binary"}},
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {"schema": {"type": "string", "format": "binary"}},
                    "text/plain": {"schema": {"type": "string"}},
                    "application/rdf+xml": {"schema": {"type": "string"}}}},
                    **problem(*AUTH_ERRORS, 403, 404)}}},
    "/api/v1/invoices/{number}/payments": {
        "parameters": [p("number", "an invoice number")],
        "post": {"summary": "record a payment (the invoice's agent, output or admin, or the cass admin)", "operationId": "recordPayment",
                 "parameters": [IDEMPOTENCY], "requestBody": body(ref("PaymentCreate")),
                 "responses": {**ok(201, "recorded; the invoice's status after it", ref("PaymentRecorded")),
                               **problem(*JSON_BODY_ERRORS, 403, 404, 409)}}},
    "/api/v1/settlements": {"get": {
        "summary": "airlines' disbursements per closed period (own for an airline, all for cass)", "operationId": "listSettlements",
        "parameters": [q("country", "operation", COUNTRY), q("period", "billing period", PERIOD)] + PAGING,
        "responses": {**ok(200, "a page of disbursements", page("Settlement")), **problem(*AUTH_ERRORS, 403)}}},
    "/api/v1/disputes": {
        "get": {"summary": "disputes the caller is party to (all for cass), in the order raised", "operationId": "listDisputes",
                "parameters": [q("status", "dispute status as of today (empty: every status)", {"type": "string", "enum": ["", "open", "escalated", "accepted", "rejected", "withdrawn"]}),
                               q("country", "operation", COUNTRY_OR_EMPTY)] + PAGING,
                "responses": {**ok(200, "a page of disputes", page("Dispute")), **problem(*AUTH_ERRORS, 404, 422)}},
        "post": {"summary": "dispute an AWB's lines on an invoice (the invoice's agent, output or admin)", "operationId": "raiseDispute",
                 "parameters": [IDEMPOTENCY], "requestBody": body(ref("DisputeCreate")),
                 "responses": {**ok(201, "raised", ref("Dispute")), **problem(*JSON_BODY_ERRORS, 403, 404, 409)}}},
    "/api/v1/disputes/{id}": {
        "parameters": [p("id", "a dispute id")],
        "get": {"summary": "one dispute with its history", "operationId": "getDispute",
                "responses": {**ok(200, "the dispute", ref("Dispute")), **problem(*AUTH_ERRORS, 404)}}},
    "/api/v1/disputes/{id}/accept": {
        "parameters": [p("id", "a dispute id")],
        "post": {"summary": "accept (the airline, or cass once escalated)", "operationId": "acceptDispute",
                 "requestBody": body(ref("DisputeAccept"), required=False),
                 "responses": {**ok(200, "accepted; its DSP memo is billed in memoPeriod", ref("Dispute")),
                               **problem(*JSON_BODY_ERRORS, 403, 404, 409)}}},
    "/api/v1/disputes/{id}/reject": {
        "parameters": [p("id", "a dispute id")],
        "post": {"summary": "reject with a reason (the airline, or cass once escalated)", "operationId": "rejectDispute",
                 "requestBody": body(ref("DisputeReject")),
                 "responses": {**ok(200, "rejected", ref("Dispute")), **problem(*JSON_BODY_ERRORS, 403, 404, 409)}}},
    "/api/v1/disputes/{id}/withdraw": {
        "parameters": [p("id", "a dispute id")],
        "post": {"summary": "withdraw (the agent, while open or escalated)", "operationId": "withdrawDispute",
                 "requestBody": body({"type": "object", "additionalProperties": False}, required=False),
                 "responses": {**ok(200, "withdrawn", ref("Dispute")), **problem(*JSON_BODY_ERRORS, 403, 404, 409)}}},
    "/api/v1/wallet": {"get": {
        "summary": "wallet balance, credit and direct debit of each agent company in the caller's scope", "operationId": "getWallet",
        "parameters": [q("country", "operation", COUNTRY_OR_EMPTY), q("company", "an agent company or group in scope")] + PAGING,
        "responses": {**ok(200, "balances", page("Wallet")), **problem(*AUTH_ERRORS, 403, 404, 422)}}},
    "/api/v1/wallet/topups": {"post": {
        "summary": "fund an agent company's wallet (its output or admin users, or the cass admin)", "operationId": "topUpWallet",
        "requestBody": body(ref("TopUp")),
        "parameters": [q("company", "agent company (as the body's company)"), IDEMPOTENCY],
        "responses": {**ok(201, "the wallet now", ref("Wallet")), **problem(*JSON_BODY_ERRORS, 403, 404, 409)}}},
    "/api/v1/risk": {"get": {
        "summary": "risk per agent as of today (cass: all; an agent: its own; airlines: 403)", "operationId": "listRisk",
        "parameters": [q("country", "operation", COUNTRY_OR_EMPTY), q("grade", "grade (empty: every grade)", {"type": "string", "enum": ["", "A", "B", "C", "D"]})] + PAGING,
        "responses": {**ok(200, "a page of risk rows", page("Risk")), **problem(*AUTH_ERRORS, 403, 404, 422)}}},
    "/api/v1/statistics": {"get": {
        "summary": "figures per operation and period, in the caller's scope", "operationId": "statistics",
        "parameters": [q("country", "operation", COUNTRY), q("period", "billing period", PERIOD),
                       q("company", "a company in the caller's scope")] + PAGING,
        "responses": {**ok(200, "a page of statistics", page("Statistics")), **problem(*AUTH_ERRORS, 404, 422)}}},
    "/api/v1/events": {"get": {
        "summary": "Server-Sent Events of the caller's scope", "operationId": "events",
        "description": "The public events of docs/events.md for the companies the caller acts for: `event:` is the type without "
                       "`org.opencass.` (invoice.issued, period.closed, file.accepted, file.rejected, file.withdrawn, dispute.*, "
                       "payment.recorded, invoice.overdue, risk.flagged; also file.received), `id:` the event's stable id and `data:` "
                       "its payload, the same JSON as on the Kafka topic cass.invoice-events (schemas in Topics/schemas/). "
                       "invoice.lines are on the topic only.",
        "responses": {**ok(200, "an event stream", {"type": "string"}, media="text/event-stream"), **problem(*AUTH_ERRORS)}}},
    "/api/v1/settings": {
        "get": {"summary": "the company's settings (cass: ?company=)", "operationId": "getSettings",
                "parameters": [q("company", "the company (cass admin)")],
                "responses": {**ok(200, "settings", ref("Settings")), **problem(*AUTH_ERRORS, 403, 404)}},
        "put": {"summary": "replace the company's settings (the whole object, as GET gave it)", "operationId": "putSettings",
                "parameters": [q("company", "the company (cass admin)")], "requestBody": body(ref("Settings")),
                "responses": {**ok(200, "settings", ref("Settings")), **problem(*JSON_BODY_ERRORS, 403, 404, 409)}}},
}

# Every query parameter is checked beyond what its schema says (a cursor
# `after` must be one this service gave, a period a real one, a company one
# that exists): a value that fails is 422 (an unknown company, 404). Said
# here once for every operation that takes them, so that no operation's
# list of answers forgets it (scripts/check-api holds the service to it).
for item in paths.values():
    shared = item.get("parameters", [])
    for method, operation in item.items():
        if method == "parameters":
            continue
        query = [parameter["name"] for parameter in shared + operation.get("parameters", []) if parameter.get("in") == "query"]
        if query and "422" not in operation["responses"]:
            operation["responses"].update(problem(422))
        if "company" in query and "404" not in operation["responses"]:
            operation["responses"].update(problem(404))

document = {
    "openapi": "3.1.0",
    "info": {
        "title": "OpenCASS service API",
        "version": "1.0.0",
        "description": "cass serve: billing files, periods, invoices, disputes, payments, risk, users and settings. "
                       "Amounts are integers in minor units (suffix Minor); dates YYYY-MM-DD; periods YYYYMMNN strings. "
                       "An object of another company answers 404, exactly like a missing one. Errors are RFC 9457 problem details.",
    },
    "servers": [{"url": "http://127.0.0.1:8080"}],
    "security": [{"bearer": []}],
    "paths": paths,
    "components": {
        "schemas": schemas,
        "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer",
                                       "description": "a token from POST /api/v1/sessions"}},
    },
}

def render():
    text = json.dumps(document, indent=2, ensure_ascii=True, sort_keys=False) + "\n"
    swift = ("// Generated by scripts/openapi.py: edit that script, then run it.\n"
             "// The OpenAPI 3.1 description served at GET /api/v1/openapi.json.\n\n"
             "public enum OpenAPIDocument {\n"
             "    public static let json = #\"\"\"\n" + text + "\"\"\"#\n}\n")
    return text, swift

def main():
    text, swift = render()
    targets = {REPO / "docs" / "openapi.json": text, REPO / "Sources" / "CASSService" / "OpenAPIDocument.swift": swift}
    if "--check" in sys.argv:
        stale = [str(path.relative_to(REPO)) for path, content in targets.items()
                 if not path.exists() or path.read_text() != content]
        if stale:
            print("openapi: out of date (run scripts/openapi.py): " + ", ".join(stale), file=sys.stderr)
            return 1
        return 0
    for path, content in targets.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content)
    print(f"openapi: {len(paths)} paths written", file=sys.stderr)
    return 0

if __name__ == "__main__":
    sys.exit(main())

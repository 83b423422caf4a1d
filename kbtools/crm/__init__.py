"""Accounts from the CRM: a Salesforce report export read through the `crm:` mapping of `kb.yml`.

The CRM owns some facts of an account (its name, segment, owner, products, the
day it was opened), the knowledge base the others (review dates, plans,
transitions, notes). The pipeline runs one way, each stage a module:

    export (CSV -> rows)  ->  mapping (row -> account values)  ->  plan (add / change / close)
        ->  diff (what a person reviews)  ->  the edits, written through kbtools/edit

`report` is the other direction: the NA/RA report made from the accounts.
"""

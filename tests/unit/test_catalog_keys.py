"""Declared keys in the catalog model: how a foreign key finds the table it references."""

from __future__ import annotations

from domain_lsp.catalog.model import Catalog, Column, ForeignKey, Table


def _catalog() -> tuple[Catalog, Table, Table, Table]:
    catalog = Catalog()
    customer = Table("customer", "core", columns={"customer_id": Column("customer_id", not_null=True)})
    customer.primary_key = ("customer_id",)
    other_customer = Table("customer", "staging")
    orders = Table("orders", "sales", foreign_keys=(ForeignKey(("customer_id",), "core.customer"),))
    for table in (customer, other_customer, orders):
        catalog.add_table(table)
    return catalog, customer, other_customer, orders


def test_a_qualified_reference_finds_its_table_and_both_directions_list_it() -> None:
    catalog, customer, other_customer, orders = _catalog()
    fk = orders.foreign_keys[0]
    assert catalog.resolve_reference(fk, "sales") is customer
    assert catalog.foreign_keys_between(orders, customer) == [(orders, fk, customer)]
    assert catalog.foreign_keys_between(customer, orders) == [(orders, fk, customer)]
    assert catalog.foreign_keys_between(orders, other_customer) == []


def test_a_bare_reference_uses_the_schema_hint_and_an_ambiguous_one_resolves_to_nothing() -> None:
    catalog, customer, other_customer, _ = _catalog()
    bare = ForeignKey(("customer_id",), "customer")
    assert catalog.resolve_reference(bare, "staging") is other_customer
    assert catalog.resolve_reference(bare, "core") is customer
    assert catalog.resolve_reference(bare, "sales") is None
    assert catalog.resolve_reference(ForeignKey(("x",), "nowhere"), "") is None


def test_a_self_reference_is_listed_once() -> None:
    catalog = Catalog()
    employee = Table("employee", "hr")
    employee.foreign_keys = (ForeignKey(("manager_id",), "employee", ("employee_id",)),)
    catalog.add_table(employee)
    assert catalog.foreign_keys_between(employee, employee) == [(employee, employee.foreign_keys[0], employee)]


def test_defaults_declare_nothing() -> None:
    table = Table("t")
    assert (table.primary_key, table.unique_keys, table.foreign_keys, table.required_filters) == ((), (), (), ())
    assert Column("c").not_null is False

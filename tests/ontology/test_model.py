import pyarrow as pa
import pytest

from ontology import arrow_schema, load_ontology


@pytest.fixture(scope="module")
def ontology():
    return load_ontology()


def test_taxonomy_has_a_dozen_majors_and_a_catch_all_each_owned_by_a_known_department(ontology):
    taxonomy = ontology.taxonomy
    assert len(taxonomy.majors()) == 13
    assert "other.unclassified" in taxonomy.categories
    for category in taxonomy.categories.values():
        assert category.department in taxonomy.departments
        assert category.code.startswith(category.major_code + ".")


def test_every_link_joins_declared_entity_types(ontology):
    for link in ontology.links.values():
        assert link.source in ontology.entities, link.name
        assert link.target in ontology.entities, link.name


def test_record_keys_are_required_columns(ontology):
    for record in ontology.records.values():
        for key in record.key:
            assert record.column(key).required, (record.name, key)


def test_arrow_schema_follows_the_declared_types(ontology):
    schema = arrow_schema(ontology.records["PersonMention"])
    assert schema.field("birth_date").type == pa.date32()
    assert schema.field("updated_at").type == pa.timestamp("s")
    assert not schema.field("mention_id").nullable
    assert schema.field("id_number").nullable


def test_sensitive_fields_are_marked(ontology):
    mention = ontology.records["PersonMention"]
    assert mention.column("id_number").sensitive
    assert not mention.column("name").sensitive

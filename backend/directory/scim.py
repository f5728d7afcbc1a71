"""The SCIM 2.0 protocol layer: scim2-server's service and handler over a storage on the ORM.

scim2-server does the protocol (routing, validation with scim2-models, PATCH as Entra ID and Okta
send it, filters, ETags, RFC 7644 §3.12 errors); `DirectoryStorage` is the one part written here:
it reads and writes one connection's users and groups, and hands every write to
`backend.directory.services`, where the business rules are. A connection sees only its own
resources: anything else is "not found".
"""
from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any, Union, cast

from django.db import transaction
from django.db.models import QuerySet
from scim2_models import (
    AuthenticationScheme,
    Bulk,
    ChangePassword,
    EnterpriseUser,
    ETag,
    External,
    Filter,
    Group,
    InvalidValueException,
    NotFoundException,
    NotImplementedException,
    Patch,
    PreconditionFailedException,
    Reference,
    Resource,
    ResourceType,
    ResponseParameters,
    ScimFilter,
    ScimPolicy,
    ScimProvider,
    SearchRequest,
    ServiceProviderConfig,
    Sort,
    UniquenessException,
    User,
)
from scim2_models.path import CompareOperator, Comparison
from scim2_server.service import ScimService
from scim2_server.storage import ScimStorage, SearchPage
from scim2_server.utils import parametrize

from backend.core.errors import DomainError
from backend.directory import services
from backend.directory.models import DirectoryConnection, DirectoryGroup, DirectoryUser
from backend.people.models import email_normalize

UserResource = User[EnterpriseUser]
MAX_RESULTS = 200

CONFIG = ServiceProviderConfig(
    documentation_uri=Reference[External]("https://github.com/relay/relay/blob/main/docs/scim.md"),
    patch=Patch(supported=True),
    bulk=Bulk(supported=False, max_operations=0, max_payload_size=0),
    filter=Filter(supported=True, max_results=MAX_RESULTS),
    change_password=ChangePassword(supported=False),
    sort=Sort(supported=False),
    etag=ETag(supported=True),
    authentication_schemes=[AuthenticationScheme(
        type=AuthenticationScheme.Type.oauthbearertoken, name="Bearer token",
        description="The token of one directory connection (manage.py directory_connection_create)",
        spec_uri=Reference[External]("https://datatracker.ietf.org/doc/html/rfc6750"),
    )],
)

# What Entra ID and Okta send beside the RFC: attributes we do not model are dropped rather than
# refused, a `remove` with a value removes that value (Entra's group member removal), and a
# replace through a filter that matches nothing creates the entry (Entra's emails[type eq "work"]).
POLICY = ScimPolicy(
    unknown=ScimPolicy.Unknown.ignore,
    remove_value_as_filter=ScimPolicy.RemoveValue.apply,
    unmatched_path_filter=ScimPolicy.UnmatchedPathFilter.create,
)

PROVIDER = ScimProvider(
    models=[User, EnterpriseUser, Group],
    resource_types=[ResourceType.from_resource(UserResource), ResourceType.from_resource(Group)],
    config=CONFIG,
    policy=POLICY,
)
# Immutable descriptions, built once per process: nothing here changes at run time.
SERVICE = ScimService(PROVIDER)


def _version(modified: datetime) -> str:
    return f'W/"{int(modified.timestamp() * 1_000_000):x}"'


def _meta(resource_type: str, created: datetime, modified: datetime) -> dict[str, Any]:
    return {"resourceType": resource_type, "created": created.isoformat(), "lastModified": modified.isoformat(),
            "version": _version(modified)}


def user_resource(link: DirectoryUser) -> Resource[Any]:
    """The SCIM User: what the directory sent, with Relay's id, meta and the person's real `active`."""
    data = {**link.attributes, "id": str(link.scim_id), "active": link.user.is_active,
            "meta": _meta("User", link.created_at, link.modified_at)}
    data.setdefault("schemas", [str(User.__schema__)])
    data.setdefault("userName", link.user.email)
    return cast(Resource[Any], UserResource.model_validate(data))


def group_resource(group: DirectoryGroup) -> Resource[Any]:
    # A member's `display` is the member's own displayName as the directory sent it for the User,
    # not a copy kept from the Group request.
    members = [{"value": str(m.scim_id), "$ref": f"Users/{m.scim_id}", "type": "User",
                **({"display": m.attributes["displayName"]} if m.attributes.get("displayName") else {})}
               for m in group.members.all() if m.deleted_at is None]
    data: dict[str, Any] = {"schemas": [str(Group.__schema__)], "id": str(group.scim_id),
                            "displayName": group.display_name, "meta": _meta("Group", group.created_at, group.modified_at)}
    if group.external_id:
        data["externalId"] = group.external_id
    if members:
        data["members"] = members
    return cast(Resource[Any], Group.model_validate(data))


def _email(user: Any, email_from: str) -> str:
    """The person's e-mail address: the userName by default (Entra ID's and Okta's user principal
    name is the work address), or the primary (else work, else first) of `emails` when the
    connection's mapping says `"email_from": "emails"`, for directories whose userName is not one."""
    if email_from != "emails":
        return str(user.user_name or "")
    emails = user.emails or []
    chosen = (next((e for e in emails if e.primary), None) or next((e for e in emails if str(e.type or "") == "work"), None)
              or (emails[0] if emails else None))
    return str(chosen.value) if chosen is not None and chosen.value else ""


def person_fields(resource: Resource[Any], *, email_from: str = "userName") -> services.PersonFields:
    """The mapping of docs/scim.md: userName (or emails) → e-mail, displayName (or name) → display name,
    preferredLanguage → language, the work address's locality → location, the enterprise
    department → team, employeeNumber kept."""
    user = cast(Any, resource)
    name = user.name
    given = " ".join(p for p in (getattr(name, "given_name", None), getattr(name, "family_name", None)) if p)
    display = user.display_name or getattr(name, "formatted", None) or given or ""
    location = None
    for address in user.addresses or []:
        if str(address.type or "") == "work" and address.locality:
            location = address.locality
            break
    enterprise = user[EnterpriseUser]
    return services.PersonFields(
        email=_email(user, email_from),
        user_name=str(user.user_name or ""),
        display_name=display,
        active=user.active is not False,
        external_id=user.external_id or "",
        employee_number=(enterprise.employee_number if enterprise else None) or "",
        language=services.language_from_tag(user.preferred_language),
        location=location,
        department=enterprise.department if enterprise else None,
        password=user.password,
    )


def _attributes(resource: Resource[Any]) -> dict[str, Any]:
    """What is kept of a resource: everything the directory sent but the password, id and meta."""
    return resource.model_dump(mode="json", exclude={"password", "id", "meta"})


def _uuid(value: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


@contextmanager
def _domain_errors() -> Iterator[None]:
    """A refusal of the domain as the SCIM error RFC 7644 §3.12 names for it."""
    try:
        yield
    except DomainError as exc:
        if exc.code in ("uniqueness", "connection_exists"):
            raise UniquenessException(detail=exc.message) from exc
        raise InvalidValueException(detail=exc.message) from exc


class DirectoryStorage(ScimStorage):
    """One connection's users and groups, for scim2-server's handler (one instance per request)."""

    def __init__(self, connection: DirectoryConnection) -> None:
        self.connection = connection
        self.email_from = str(connection.mapping_value("email_from"))

    # -- reads
    def _users(self) -> QuerySet[DirectoryUser]:
        return (DirectoryUser.objects.filter(connection=self.connection, deleted_at__isnull=True)
                .select_related("user").order_by("pk"))

    def _groups(self) -> QuerySet[DirectoryGroup]:
        return DirectoryGroup.objects.filter(connection=self.connection).prefetch_related("members").order_by("pk")

    def _link(self, resource_id: str | None) -> DirectoryUser:
        scim_id = _uuid(resource_id)
        link = self._users().filter(scim_id=scim_id).first() if scim_id else None
        if link is None:
            raise NotFoundException(detail="User not found")
        return link

    def _group(self, resource_id: str | None) -> DirectoryGroup:
        scim_id = _uuid(resource_id)
        group = self._groups().filter(scim_id=scim_id).first() if scim_id else None
        if group is None:
            raise NotFoundException(detail="Group not found")
        return group

    def get(self, resource_type: ResourceType, resource_id: str, *,
            response_parameters: ResponseParameters[Any] | None = None) -> Resource[Any]:
        if resource_type.name == "User":
            return user_resource(self._link(resource_id))
        return group_resource(self._group(resource_id))

    def search(self, resource_types: list[ResourceType], search_request: SearchRequest[Any], *,
               position: Any = None) -> SearchPage:
        if len(resource_types) != 1:
            raise NotImplementedException(detail="Search one endpoint at a time: /Users or /Groups")
        is_user = resource_types[0].name == "User"
        queryset: QuerySet[Any] = self._users() if is_user else self._groups()
        render = user_resource if is_user else group_resource
        start = search_request.start_index_0 or 0
        stop = None if search_request.count is None else start + search_request.count
        scim_filter = search_request.filter
        narrowed = self._narrow(queryset, scim_filter, is_user=is_user, email_from=self.email_from)
        if scim_filter is None or narrowed is not None:
            # The filters identity providers send (userName, externalId, id, displayName eq "…"):
            # one indexed query, paged in the database.
            queryset = narrowed if narrowed is not None else queryset
            return SearchPage(queryset.count(), [render(row) for row in queryset[start:stop]])
        # Any other filter: scim2-models evaluates it on each resource of this connection.
        resources = [render(row) for row in queryset]
        if not scim_filter.models and resources:
            scim_filter = parametrize(ScimFilter, Union[type(resources[0])])(str(scim_filter))  # noqa: UP007
        found = [r for r in resources if scim_filter.match(r)]
        return SearchPage(len(found), found[start:stop])

    @staticmethod
    def _narrow(queryset: QuerySet[Any], scim_filter: ScimFilter[Any] | None, *, is_user: bool,
                email_from: str) -> QuerySet[Any] | None:
        if scim_filter is None:
            return None
        node = scim_filter.ast
        if not (isinstance(node, Comparison) and node.op == CompareOperator.eq and isinstance(node.value, str)
                and node.attr_path.sub_attr is None):
            return None
        uri = (node.attr_path.uri or "").lower()
        core = str((User if is_user else Group).__schema__).lower()
        if uri and uri != core:
            return None
        attr = node.attr_path.attr.lower()
        if attr == "id":
            value = _uuid(node.value)
            return queryset.filter(scim_id=value) if value else queryset.none()
        if attr == "externalid":
            return queryset.filter(external_id=node.value)
        if is_user and attr == "username" and email_from == "emails":
            # The e-mail came from `emails`: userName is only what the directory sent (caseExact false).
            return queryset.filter(attributes__userName__iexact=node.value)
        if is_user and attr == "username":
            return queryset.filter(user__email=email_normalize(node.value))
        if not is_user and attr == "displayname":
            return queryset.filter(display_name__iexact=node.value)
        return None

    # -- writes
    def create(self, resource_type: ResourceType, resource: Resource[Any]) -> Resource[Any]:
        with _domain_errors():
            if resource_type.name == "User":
                link = services.directory_user_create(
                    connection=self.connection, fields=person_fields(resource, email_from=self.email_from),
                    attributes=_attributes(resource),
                )
                return user_resource(self._link(str(link.scim_id)))
            group = services.directory_group_create(
                connection=self.connection, display_name=cast(Any, resource).display_name or "",
                external_id=resource.external_id or "", member_ids=self._member_ids(resource),
            )
            return group_resource(self._group(str(group.scim_id)))

    def update(self, resource_type: ResourceType, resource: Resource[Any], *,
               expected_version: str | None = None) -> Resource[Any]:
        with _domain_errors():
            if resource_type.name == "User":
                link = self._link(resource.id)
                self._check_version(link.modified_at, expected_version)
                services.directory_user_update(link=link, fields=person_fields(resource, email_from=self.email_from),
                                               attributes=_attributes(resource))
                return user_resource(self._link(resource.id))
            group = self._group(resource.id)
            self._check_version(group.modified_at, expected_version)
            services.directory_group_update(
                group=group, display_name=cast(Any, resource).display_name or "",
                external_id=resource.external_id or "", member_ids=self._member_ids(resource),
            )
            return group_resource(self._group(resource.id))

    def delete(self, resource_type: ResourceType, resource_id: str, *, expected_version: str | None = None) -> None:
        if resource_type.name == "User":
            link = self._link(resource_id)
            self._check_version(link.modified_at, expected_version)
            services.directory_user_delete(link=link)
        else:
            group = self._group(resource_id)
            self._check_version(group.modified_at, expected_version)
            services.directory_group_delete(group=group)

    def operation(self) -> Any:
        # A savepoint per operation; the view holds the request's transaction.
        return transaction.atomic()

    @staticmethod
    def _check_version(modified: datetime, expected: str | None) -> None:
        if expected is not None and expected != _version(modified):
            raise PreconditionFailedException(detail="The resource changed since that version")

    @staticmethod
    def _member_ids(resource: Resource[Any]) -> list[str]:
        ids = []
        for member in cast(Any, resource).members or []:
            if member.type is not None and str(member.type) != "User":
                raise InvalidValueException(detail="Only users can be members of a group here")
            if _uuid(member.value) is None:
                raise InvalidValueException(detail="A member is not a user of this directory")
            ids.append(str(member.value))
        return ids

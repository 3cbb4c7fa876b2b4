import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { DataSource, In, Repository } from 'typeorm';
import { RoleMapping } from './entities/role-mapping.entity';
import { CreateRoleMappingInput } from './dto/role-mapping.input';
import { Caller, actorOf, withinCallerScope } from '../common/caller';
import { BadInputError, NotFoundError } from '../common/errors';
import { AuditService } from '../audit/audit.service';
import { deleteAudited } from '../audit/audited-delete';
import { Connection } from '../connections/entities/connection.entity';
import { isUniqueViolation } from '../database/postgres-errors';
import { isRoleOf } from '../organizations/roles';

@Injectable()
export class RoleMappingService {
  constructor(
    @InjectRepository(RoleMapping) private readonly mappings: Repository<RoleMapping>,
    private readonly dataSource: DataSource,
    private readonly audit: AuditService,
  ) {}

  async create(caller: Caller, input: CreateRoleMappingInput): Promise<RoleMapping> {
    return this.dataSource.transaction(async (manager) => {
      const connection = await manager.findOneBy(Connection, withinCallerScope(caller, { id: input.connectionId }));
      if (!connection) throw new NotFoundError('connection');
      if (!isRoleOf(connection.organizationId, input.role)) throw new BadInputError('role', 'is not a role of the organization');
      const mapping = manager.create(RoleMapping, {
        organizationId: connection.organizationId,
        connectionId: connection.id,
        idpGroupId: input.idpGroupId.trim(),
        name: input.name?.trim() || null,
        role: input.role,
      });
      try {
        await manager.save(mapping);
      } catch (error) {
        if (isUniqueViolation(error, 'role_mappings__connection_id__idp_group_id__unique')) {
          throw new BadInputError('idpGroupId', 'is already mapped on this connection');
        }
        throw error;
      }
      await this.audit.record(manager, {
        organizationId: connection.organizationId,
        actor: actorOf(caller),
        action: 'role_mapping.created',
        targetId: mapping.id,
        details: { connectionId: connection.id, idpGroupId: mapping.idpGroupId, role: mapping.role },
      });
      return mapping;
    });
  }

  delete(caller: Caller, id: string): Promise<boolean> {
    return deleteAudited(this.dataSource, this.audit, caller, RoleMapping, id, {
      label: 'role mapping',
      action: 'role_mapping.deleted',
      details: (row) => ({ connectionId: row.connectionId, idpGroupId: row.idpGroupId, role: row.role }),
    });
  }

  async forConnections(connectionIds: readonly string[]): Promise<Map<string, RoleMapping[]>> {
    const rows = await this.mappings.find({ where: { connectionId: In([...connectionIds]) }, order: { createdAt: 'ASC' } });
    const byConnection = new Map<string, RoleMapping[]>(connectionIds.map((id) => [id, []]));
    for (const row of rows) byConnection.get(row.connectionId)?.push(row);
    return byConnection;
  }
}

import { Args, ID, Mutation, Query, Resolver } from '@nestjs/graphql';
import { UseGuards } from '@nestjs/common';
import { Application } from './entities/application.entity';
import { CreateApplicationInput, CreatedApplication } from './dto/application.input';
import { ApplicationsService } from './applications.service';
import { ApiKeyGuard, RequireScope } from '../common/api-key.guard';
import { Caller, CurrentCaller } from '../common/caller';
import { UuidPipe } from '../common/uuid.pipe';

/** The product's own apps (relying parties of the OpenID Provider): platform keys only. */
@Resolver(() => Application)
@UseGuards(ApiKeyGuard)
@RequireScope('admin')
export class ApplicationsResolver {
  constructor(private readonly applications: ApplicationsService) {}

  @Query(() => [Application], { name: 'applications' })
  list(@CurrentCaller() caller: Caller): Promise<Application[]> {
    return this.applications.list(caller);
  }

  @Mutation(() => CreatedApplication)
  createApplication(@CurrentCaller() caller: Caller, @Args('input') input: CreateApplicationInput): Promise<CreatedApplication> {
    return this.applications.create(caller, input);
  }

  @Mutation(() => CreatedApplication)
  rotateApplicationSecret(
    @CurrentCaller() caller: Caller,
    @Args('id', { type: () => ID }, UuidPipe) id: string,
  ): Promise<CreatedApplication> {
    return this.applications.rotateSecret(caller, id);
  }

  @Mutation(() => Boolean)
  deleteApplication(@CurrentCaller() caller: Caller, @Args('id', { type: () => ID }, UuidPipe) id: string): Promise<boolean> {
    return this.applications.delete(caller, id);
  }
}

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

  @Query(() => [Application], {
    name: 'applications',
    description: 'The OpenID Provider’s applications, oldest first, without their secrets. Scope admin; platform key only.',
  })
  list(@CurrentCaller() caller: Caller): Promise<Application[]> {
    return this.applications.list(caller);
  }

  @Mutation(() => CreatedApplication, {
    description: 'Registers an application and returns its client secret, once (audited). Scope admin; platform key only.',
  })
  createApplication(
    @CurrentCaller() caller: Caller,
    @Args('input', { description: 'The application and its URIs.' }) input: CreateApplicationInput,
  ): Promise<CreatedApplication> {
    return this.applications.create(caller, input);
  }

  @Mutation(() => CreatedApplication, {
    description:
      'Gives an application a new client secret, returned once; the old one stops working at once, so deploy the new one with the app (audited). Scope admin; platform key only.',
  })
  rotateApplicationSecret(
    @CurrentCaller() caller: Caller,
    @Args('id', { type: () => ID, description: 'The application’s id.' }, UuidPipe) id: string,
  ): Promise<CreatedApplication> {
    return this.applications.rotateSecret(caller, id);
  }

  @Mutation(() => Boolean, {
    description: 'Deletes an application: its client stops working at once (audited). True once deleted. Scope admin; platform key only.',
  })
  deleteApplication(
    @CurrentCaller() caller: Caller,
    @Args('id', { type: () => ID, description: 'The application’s id.' }, UuidPipe) id: string,
  ): Promise<boolean> {
    return this.applications.delete(caller, id);
  }
}

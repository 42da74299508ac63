// The one storage account behind everything: the Functions host (AzureWebJobsStorage: timer leases, host
// locks), the Durable task hub (queues, History/Instances tables, lease and large-message blobs), the app's
// own tables (Schedules, DueIndex, Occurrences, Runs, ...) and the Flex deployment package container.
// Shared keys are off, so every caller must come through Entra ID (the user-assigned identity).

@description('Storage account name: 3-24 lowercase letters and digits, globally unique.')
@minLength(3)
@maxLength(24)
param name string

param location string
param tags object = {}

@description('Blob container that Flex Consumption deploys the app package into.')
param deploymentContainerName string

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    // Zone-redundant would be the production choice where the region offers it; LRS keeps a dev deployment cheap.
    name: 'Standard_LRS'
  }
  properties: {
    accessTier: 'Hot'
    allowSharedKeyAccess: false
    allowBlobPublicAccess: false
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    // The portal and tools would otherwise fall back to keys, which no longer work.
    defaultToOAuthAuthentication: true
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      // No VNet integration in this template: Flex instances reach storage over its public endpoint.
      defaultAction: 'Allow'
      bypass: 'AzureServices'
    }
  }

  resource blobServices 'blobServices' = {
    name: 'default'

    resource deploymentContainer 'containers' = {
      name: deploymentContainerName
      properties: {
        publicAccess: 'None'
      }
    }
  }
}

output id string = storage.id
output name string = storage.name
output blobEndpoint string = storage.properties.primaryEndpoints.blob
output tableEndpoint string = storage.properties.primaryEndpoints.table

// What the Function App's identity may do. Data-plane roles only: with shared keys off these are the sole
// way into the account, and they are enough to create the queues, tables and containers the Durable task hub
// and the app's own stores create on first start, so Storage Account Contributor (control plane, can list
// keys) is deliberately not granted. On the Key Vault it may read secret values and nothing else.

param storageAccountName string
param applicationInsightsName string

@description('The vault whose secrets the app settings refer to.')
param keyVaultName string

@description('Principal (object) id of the user-assigned identity the app runs as.')
param principalId string

// Built-in role definition ids (the same in every tenant).
var storageRoles = [
  {
    // Functions host (AzureWebJobsStorage: timer/singleton leases, secrets), Durable lease and large-payload
    // blobs, and the Flex deployment package container. Owner, as the Functions docs ask for host storage.
    name: 'Storage Blob Data Owner'
    id: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
  }
  {
    // Durable control and work-item queues.
    name: 'Storage Queue Data Contributor'
    id: '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
  }
  {
    // Durable History/Instances tables and the app's own tables.
    name: 'Storage Table Data Contributor'
    id: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
  }
]

// Application Insights has local auth disabled; this role is what lets the identity send telemetry.
var monitoringMetricsPublisherId = '3913510d-42f4-4e42-8a64-420c390055eb'

// Read secret values (what Key Vault references need); not list, set or delete them.
var keyVaultSecretsUserId = '4633458b-17de-408a-b874-0445c86b69e6'

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

resource keyVault 'Microsoft.KeyVault/vaults@2023-07-01' existing = {
  name: keyVaultName
}

resource storageRoleAssignments 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for role in storageRoles: {
    name: guid(storage.id, principalId, role.id)
    scope: storage
    properties: {
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', role.id)
      principalId: principalId
      // Set explicitly so ARM does not look the new identity up in Entra ID before it has replicated.
      principalType: 'ServicePrincipal'
      description: '${role.name} for the FunctionsScheduler app identity'
    }
  }
]

resource metricsPublisher 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(applicationInsights.id, principalId, monitoringMetricsPublisherId)
  scope: applicationInsights
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', monitoringMetricsPublisherId)
    principalId: principalId
    principalType: 'ServicePrincipal'
    description: 'Monitoring Metrics Publisher for the FunctionsScheduler app identity'
  }
}

// On the whole vault, which holds only this app's secrets: also the ones an operator adds for executor headers.
resource secretsUser 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(keyVault.id, principalId, keyVaultSecretsUserId)
  scope: keyVault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', keyVaultSecretsUserId)
    principalId: principalId
    principalType: 'ServicePrincipal'
    description: 'Key Vault Secrets User for the FunctionsScheduler app identity (Key Vault references)'
  }
}
